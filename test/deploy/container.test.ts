import { spawnSync } from 'node:child_process';
import { chmodSync, cpSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { EVENT } from '../../src/vocabulary';
import { spawnDaemon, type SpawnedDaemon } from '../support/daemon';
import { REPO_ROOT } from '../support/repo';
import { tmpDir } from '../support/tmp';

/** The Dockerfile's runtime stage, one instruction per line (continuations joined). */
function runtimeStage(): { instruction: string; args: string }[] {
  const lines = readFileSync(path.join(REPO_ROOT, 'Dockerfile'), 'utf8').replace(/\\\n/g, ' ').split('\n');
  const stages = lines.map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
  const last = stages
    .map((l, i) => (l.startsWith('FROM ') ? i : -1))
    .filter((i) => i >= 0)
    .pop()!;
  return stages.slice(last + 1).map((l) => ({ instruction: l.split(' ')[0]!, args: l.slice(l.indexOf(' ') + 1) }));
}

/**
 * No container engine here: the runtime stage's steps are carried out as written, on the host. The
 * build stage is this repository, built by the test command; /app is a fresh directory; the daemon
 * runs as the Dockerfile's USER.
 */
describe('container recipe (Dockerfile), exercised without a container engine', function () {
  this.timeout(240_000);
  let daemon: SpawnedDaemon | undefined;
  after(async () => {
    daemon?.child.kill('SIGKILL');
    await daemon?.exited;
  });

  it('installs production dependencies only into a clean directory, starts from there as non-root, runs, checks, and exits 0 on SIGTERM', async () => {
    const app = tmpDir('petsage-app-');
    chmodSync(app, 0o755);
    let user: number | undefined;
    let command: string[] = [];
    for (const { instruction, args } of runtimeStage()) {
      if (instruction === 'COPY') {
        const parts = args.split(/\s+/);
        const from = parts[0]!.startsWith('--from=') ? parts.shift() : undefined;
        const dest = path.join(app, parts.pop()!);
        // As Docker copies: several sources go into the destination directory, one source becomes it.
        for (const src of parts) {
          const source = path.join(REPO_ROOT, from ? path.relative('/src', src) : src);
          cpSync(source, parts.length > 1 ? path.join(dest, path.basename(src)) : dest, { recursive: true });
        }
      } else if (instruction === 'RUN') {
        const run = spawnSync('bash', ['-c', args.replaceAll('/app', app)], { cwd: app, encoding: 'utf8' });
        expect(run.status, `RUN ${args}\n${run.stderr}`).to.equal(0);
      } else if (instruction === 'USER') user = Number(args.split(':')[0]);
      else if (instruction === 'ENTRYPOINT') command = JSON.parse(args) as string[];
      else if (instruction === 'CMD') command = [...command, ...(JSON.parse(args) as string[])];
    }
    const installed = JSON.parse(
      spawnSync('npm', ['ls', '--omit=dev', '--depth=0', '--json'], { cwd: app, encoding: 'utf8' }).stdout,
    ) as { dependencies: Record<string, unknown> };
    expect(Object.keys(installed.dependencies))
      .to.include.members(['koa', 'prom-client', 'winston'])
      .and.not.include.members(['mocha', 'typescript', 'chai']);
    expect(command.slice(0, 2)).to.deep.equal(['node', 'dist/src/main.js']);
    expect(user).to.equal(10001);

    daemon = await spawnDaemon({
      args: [...command.slice(2), '--host', '127.0.0.1'],
      env: { NODE_ENV: 'production', PETSAGE_SMOKE_INTERVAL: '0' },
      install: { main: path.join(app, command[1]!), cwd: app, ...(process.getuid?.() === 0 ? { uid: user } : {}) },
    });
    const run = (await (await fetch(`${daemon.url}/smoke-test`)).json()) as { status: string };
    expect(run.status).to.equal('ok');
    const check = spawnSync(
      process.execPath,
      [path.join(app, command[1]!), 'check', '--url', daemon.url, '--timeout', '60s'],
      { encoding: 'utf8', cwd: app },
    );
    expect(check.status, check.stdout + check.stderr).to.equal(0);
    expect(check.stdout).to.match(/verified$/m);
    daemon.child.kill('SIGTERM');
    expect((await daemon.exited).code, daemon.stderr()).to.equal(0);
    await daemon.waitForEvent(EVENT.stopped);
  });
});
