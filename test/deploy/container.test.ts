import { spawnSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, readFileSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { EVENT } from '../../src/vocabulary';
import { spawnDaemon, type SpawnedDaemon } from '../support/daemon';
import { REPO_ROOT } from '../support/repo';
import { tmpDir } from '../support/tmp';

type Step = { instruction: string; args: string };

/** The Dockerfile's stages, each one instruction per line (continuations joined), its FROM left out. */
function stages(): Step[][] {
  const lines = readFileSync(path.join(REPO_ROOT, 'Dockerfile'), 'utf8').replace(/\\\n/g, ' ').split('\n');
  const out: Step[][] = [];
  for (const line of lines.map((l) => l.trim()).filter((l) => l && !l.startsWith('#'))) {
    if (line.startsWith('FROM ')) out.push([]);
    else out[out.length - 1]!.push({ instruction: line.split(' ')[0]!, args: line.slice(line.indexOf(' ') + 1) });
  }
  return out;
}
const runtimeStage = () => stages().pop()!;

/**
 * No container engine here: the stages' steps are carried out as written, on the host. The build
 * stage compiles from what it copies into a fresh directory (its `npm ci` is this checkout's
 * node_modules); the runtime stage takes this repository's build, into a fresh /app, and the
 * daemon runs as the Dockerfile's USER.
 */
describe('container recipe (Dockerfile), exercised without a container engine', function () {
  this.timeout(240_000);
  let daemon: SpawnedDaemon | undefined;
  after(async () => {
    daemon?.child.kill('SIGKILL');
    await daemon?.exited;
  });

  it('the build stage compiles the daemon from what it copies (src/ and tsconfig.json) alone', () => {
    const src = tmpDir('petsage-build-');
    const [build] = stages();
    for (const { instruction, args } of build!) {
      if (instruction === 'COPY') {
        const parts = args.split(/\s+/);
        const to = parts.pop()!;
        const dest = path.join(src, to);
        // As Docker copies: into a destination ending in "/" (or given several sources), else as it.
        const into = parts.length > 1 || to.endsWith('/');
        for (const from of parts)
          cpSync(path.join(REPO_ROOT, from), into ? path.join(dest, path.basename(from)) : dest, { recursive: true });
      } else if (instruction === 'RUN' && args.startsWith('npm ci')) {
        // The dependencies as installed here (no registry needed): the lock file is the same.
        symlinkSync(path.join(REPO_ROOT, 'node_modules'), path.join(src, 'node_modules'), 'dir');
      } else if (instruction === 'RUN') {
        const run = spawnSync('bash', ['-c', args], { cwd: src, encoding: 'utf8' });
        expect(run.status, `RUN ${args}\n${run.stdout}${run.stderr}`).to.equal(0);
      }
    }
    expect(
      existsSync(path.join(src, 'dist', 'src', 'main.js')),
      'dist/src/main.js, which the runtime stage copies',
    ).to.equal(true);
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

    // Production refuses to start without a token (config/production.yaml): the pod's comes from the Secret.
    const token = { PETSAGE_SMOKE_AUTH_TOKEN: 'a-token-from-the-secret-0123456789' };
    daemon = await spawnDaemon({
      args: [...command.slice(2), '--host', '127.0.0.1'],
      env: { NODE_ENV: 'production', PETSAGE_SMOKE_INTERVAL: '0', ...token },
      install: { main: path.join(app, command[1]!), cwd: app, ...(process.getuid?.() === 0 ? { uid: user } : {}) },
    });
    const run = (await (await fetch(`${daemon.url}/smoke-test`)).json()) as { status: string };
    expect(run.status).to.equal('ok');
    const runbooks = await fetch(`${daemon.url}/runbooks`);
    expect(runbooks.status, 'the runbooks the alerts link to, in the image').to.equal(200);
    expect(await runbooks.text()).to.include('id="petsagesmokedown"');
    const check = spawnSync(
      process.execPath,
      [path.join(app, command[1]!), 'check', '--url', daemon.url, '--timeout', '60s'],
      { encoding: 'utf8', cwd: app, env: { ...process.env, ...token } },
    );
    expect(check.status, check.stdout + check.stderr).to.equal(0);
    expect(check.stdout).to.match(/verified$/m);
    daemon.child.kill('SIGTERM');
    expect((await daemon.exited).code, daemon.stderr()).to.equal(0);
    await daemon.waitForEvent(EVENT.stopped);
  });
});
