/** A run's receipt as GET /smoke-test/:id and POST /smoke-test {"wait": true} answer it. */
export interface Receipt {
  status: string;
  outcome: string;
  run_id: string;
  checks: Record<string, { outcome: string; reason: string; observedValue?: number; output?: string }[]>;
}

/** The deploy gate: a caller-named run, answered once every signal has its verdict. */
export async function gate(baseUrl: string, id?: string): Promise<{ status: number; receipt: Receipt }> {
  const res = await fetch(`${baseUrl}/smoke-test`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ id, wait: true }),
  });
  return { status: res.status, receipt: (await res.json()) as Receipt };
}

export async function receiptOf(baseUrl: string, id: string): Promise<Receipt> {
  return (await (await fetch(`${baseUrl}/smoke-test/${id}`)).json()) as Receipt;
}
