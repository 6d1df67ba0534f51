import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { parse, parseAllDocuments } from 'yaml';
import { ConfigError, loadConfig, type Config } from '../../src/config/load';
import { kindOf, pipelinesOf } from '../../src/config/pipelines';
import { bounds, PER_ITEM } from '../../deploy/kubernetes/bounds';
import { RULES_FILE, RULE_CRD_FILE, prometheusRule } from '../../deploy/kubernetes/prometheusRule';
import { REPO_ROOT } from '../support/repo';
import { tmpDir } from '../support/tmp';

const K8S = path.join(REPO_ROOT, 'deploy', 'kubernetes');
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = Record<string, any>;
type Manifest = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string> };
} & Json;
type Model = new (data: unknown) => { validate(): void };
const MiB = 2 ** 20;
/** The token a pod gets from the Secret: production refuses to start without one. */
const TOKEN = { PETSAGE_SMOKE_AUTH_TOKEN: 'a-token-from-the-secret-0123456789' };

/** `kubectl kustomize` (kustomize built into kubectl): the output a cluster would get, with no warning. */
function kustomize(dir: string): Manifest[] {
  const res = spawnSync('kubectl', ['kustomize', path.join(K8S, dir)], { encoding: 'utf8' });
  expect(res.error, 'kubectl must be installed: run the README test command').to.equal(undefined);
  expect(res.status, res.stderr).to.equal(0);
  expect(res.stderr, `kubectl kustomize ${dir} warns`).to.equal('');
  return parseAllDocuments(res.stdout).map((d) => d.toJS() as Manifest);
}
const fileDocs = (file: string) =>
  parseAllDocuments(readFileSync(path.join(K8S, file), 'utf8')).map((d) => d.toJS() as Manifest);

/** The schema of every kind we ship: Kubernetes' (kubernetes-models) and the Prometheus Operator's. */
async function models(): Promise<Record<string, Model>> {
  const apps = await import('kubernetes-models/apps/v1');
  const core = await import('kubernetes-models/v1');
  const policy = await import('kubernetes-models/policy/v1');
  const batch = await import('kubernetes-models/batch/v1');
  const networking = await import('kubernetes-models/networking.k8s.io/v1');
  const monitoring = await import('@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1');
  return {
    'apps/v1/Deployment': apps.Deployment as unknown as Model,
    'apps/v1/DaemonSet': apps.DaemonSet as unknown as Model,
    'v1/Service': core.Service as unknown as Model,
    'v1/ConfigMap': core.ConfigMap as unknown as Model,
    'v1/Secret': core.Secret as unknown as Model,
    'policy/v1/PodDisruptionBudget': policy.PodDisruptionBudget as unknown as Model,
    'networking.k8s.io/v1/NetworkPolicy': networking.NetworkPolicy as unknown as Model,
    'batch/v1/Job': batch.Job as unknown as Model,
    'batch/v1/CronJob': batch.CronJob as unknown as Model,
    'monitoring.coreos.com/v1/ServiceMonitor': monitoring.ServiceMonitor as unknown as Model,
    'monitoring.coreos.com/v1/PodMonitor': monitoring.PodMonitor as unknown as Model,
    'monitoring.coreos.com/v1/PrometheusRule': monitoring.PrometheusRule as unknown as Model,
  };
}

const find = (docs: Manifest[], kind: string): Manifest => {
  const doc = docs.find((d) => d.kind === kind);
  expect(doc, kind).to.not.equal(undefined);
  return doc!;
};

/** The config a ConfigMap holds, loaded by the daemon's own loader as the pod does (NODE_ENV=production, the token set). */
function configOf(docs: Manifest[], env: Record<string, string> = TOKEN): { text: string; config: Config } {
  const text = (find(docs, 'ConfigMap').data as Record<string, string>)['petsage-smoke.yaml']!;
  const file = path.join(tmpDir(), 'petsage-smoke.yaml');
  writeFileSync(file, text);
  return { text, config: loadConfig({ file, env: { NODE_ENV: 'production', ...env } }) };
}

/** Where a pod spec disagrees with the bounds computed from its config (bounds.ts), each as a line. */
function disagreements(pod: Json, config: Config): string[] {
  const b = bounds(config);
  const c = pod.containers.find((x: Json) => x.name === 'petsage-smoke');
  const out: string[] = [];
  const want = (what: string, actual: unknown, expected: unknown) => {
    if (actual !== expected) out.push(`${what} is ${String(actual)}, the config's bounds give ${String(expected)}`);
  };
  want('resources.limits.memory', c.resources.limits.memory, `${b.memory.limitMi}Mi`);
  const nodeOptions = c.env.find((e: Json) => e.name === 'NODE_OPTIONS')?.value;
  want('NODE_OPTIONS', nodeOptions, `--max-old-space-size=${b.memory.maxOldSpaceMi}`);
  const varVolume = pod.volumes.find((v: Json) => v.name === 'var');
  if (varVolume.emptyDir) want('the var/ emptyDir sizeLimit', varVolume.emptyDir.sizeLimit, `${b.disk.sizeLimitMi}Mi`);
  return out;
}

/** Every reference to the Secret in a pod: env from it and volumes of it. */
function secretRefs(pod: Json): Json[] {
  const containers = [...(pod.initContainers ?? []), ...pod.containers];
  return [
    ...containers.flatMap((c: Json) => (c.env ?? []).map((e: Json) => e.valueFrom?.secretKeyRef).filter(Boolean)),
    ...(pod.volumes ?? []).map((v: Json) => v.secret).filter(Boolean),
  ];
}

/** The namespace of an in-cluster address (`<service>.<namespace>.svc…`). */
const namespaceOf = (url: string) => /^[^.]+\.([^.]+)\.svc(\.|$)/.exec(new URL(url).hostname)?.[1];

/** Every backend a config exports to or reads from, by URL. */
function backendUrls(config: Config): string[] {
  return pipelinesOf(config).flatMap((p) =>
    [
      p.traces.otlp.endpoint,
      p.traces.otlp.tracesEndpoint,
      p.log.otlp.endpoint,
      p.log.otlp.logsEndpoint,
      p.metrics.otlp.exporter === 'otlp' ? p.metrics.otlp.endpoint || p.metrics.otlp.metricsEndpoint : '',
      p.verify.log.loki.url,
      p.verify.traces.queryUrl,
      p.verify.traces.tempo.url,
      p.verify.traces.jaeger.url,
      p.verify.metrics.prometheusUrl,
    ].filter(Boolean),
  );
}

const matches = (selector: Record<string, string>, labels: Record<string, string>) =>
  Object.entries(selector).every(([k, v]) => labels[k] === v);

describe('Kubernetes manifests (deploy/kubernetes), validated offline', () => {
  let byKind: Record<string, Model>;
  let base: Manifest[];
  let daemonset: Manifest[];
  let tenants: Manifest[];
  let gate: Manifest[];
  let examples: Manifest[];

  before(async () => {
    byKind = await models();
    base = kustomize('base');
    daemonset = kustomize('overlays/daemonset');
    tenants = kustomize('overlays/tenants');
    gate = kustomize('gate');
    examples = [...fileDocs('examples/cronjob.yaml'), ...fileDocs('examples/secret.yaml')];
  });

  /** Each directory that runs the daemon: its pod, and the config its ConfigMap holds. */
  const daemons = () => [
    { name: 'base', docs: base, pod: find(base, 'Deployment').spec.template.spec as Json },
    { name: 'overlays/daemonset', docs: daemonset, pod: find(daemonset, 'DaemonSet').spec.template.spec as Json },
    { name: 'overlays/tenants', docs: tenants, pod: find(tenants, 'Deployment').spec.template.spec as Json },
  ];

  it('every rendered manifest (base, overlays, gate, examples) is valid against its schema, rendered with no warning', () => {
    const all = [...base, ...daemonset, ...tenants, ...gate, ...examples];
    expect(base.map((d) => d.kind).sort()).to.deep.equal([
      'ConfigMap',
      'Deployment',
      'NetworkPolicy',
      'PodDisruptionBudget',
      'PrometheusRule',
      'Service',
      'ServiceMonitor',
    ]);
    expect(daemonset.map((d) => d.kind).sort()).to.deep.equal([
      'ConfigMap',
      'DaemonSet',
      'NetworkPolicy',
      'PodMonitor',
      'PrometheusRule',
      'Service',
    ]);
    expect(tenants.map((d) => d.kind).sort()).to.deep.equal(base.map((d) => d.kind).sort());
    for (const doc of all) {
      const Model = byKind[`${doc.apiVersion}/${doc.kind}`];
      expect(Model, `a schema for ${doc.apiVersion} ${doc.kind}`).to.not.equal(undefined);
      expect(() => new Model!(doc).validate(), `${doc.kind} ${doc.metadata.name}`).to.not.throw();
    }
    // The validators do fail: a wrong type and a missing field.
    const broken = structuredClone(find(base, 'Deployment'));
    broken.spec.replicas = 'one';
    expect(() => new byKind['apps/v1/Deployment']!(broken).validate()).to.throw(/replicas must be integer/);
    const noSelector = structuredClone(find(base, 'ServiceMonitor'));
    delete noSelector.spec.selector;
    expect(() => new byKind['monitoring.coreos.com/v1/ServiceMonitor']!(noSelector).validate()).to.throw(/selector/);
    // No deprecated kustomize field is left (each makes `kubectl kustomize` warn).
    for (const dir of ['base', 'overlays/daemonset', 'overlays/tenants', 'gate']) {
      const kustomization = parse(readFileSync(path.join(K8S, dir, 'kustomization.yaml'), 'utf8')) as Json;
      expect(Object.keys(kustomization), dir).to.not.include.members([
        'commonLabels',
        'bases',
        'patchesStrategicMerge',
      ]);
    }
  });

  it("the labels reach every resource and pod template, and no selector but the workloads' own", () => {
    for (const doc of [...base, ...daemonset, ...tenants])
      expect(doc.metadata.labels, `${doc.kind}`).to.include({ 'app.kubernetes.io/part-of': 'petsage-smoke' });
    const labels = find(base, 'Deployment').spec.template.metadata.labels;
    expect(labels).to.include({
      'app.kubernetes.io/name': 'petsage-smoke',
      'app.kubernetes.io/part-of': 'petsage-smoke',
    });
    // The selectors as the earlier commonLabels rendered them: an installed Deployment's is immutable.
    const selector = { 'app.kubernetes.io/name': 'petsage-smoke', 'app.kubernetes.io/part-of': 'petsage-smoke' };
    expect(find(base, 'Deployment').spec.selector.matchLabels).to.deep.equal(selector);
    expect(find(daemonset, 'DaemonSet').spec.selector.matchLabels).to.deep.equal(selector);
    expect(find(base, 'Service').spec.selector).to.deep.equal(selector);
    expect(find(base, 'PodDisruptionBudget').spec.selector.matchLabels).to.deep.equal(selector);
    expect(find(gate, 'Job').spec.template.metadata.labels).to.include({
      'app.kubernetes.io/part-of': 'petsage-smoke',
    });
  });

  it('every ConfigMap holds a production config the daemon loads, says it is for inside the container, and holds no secret', () => {
    for (const { name, docs } of daemons()) {
      const { text, config } = configOf(docs);
      expect(text.split('\n')[0], `${name}: its first line`).to.match(/^# Inside the container/);
      expect(config.server.host).to.equal('0.0.0.0');
      expect(config.auth.token).to.equal(TOKEN.PETSAGE_SMOKE_AUTH_TOKEN);
      expect(config.log.file.path.startsWith('/app/var/')).to.equal(true);
      expect(config.state.path.startsWith('/app/var/')).to.equal(true);
      for (const p of pipelinesOf(config))
        if (kindOf(p.traces) === 'file') expect(p.traces.file.path).to.match(/^\/app\/var\//);
      const settings = text.replace(/#.*$/gm, '');
      expect(settings, `${name}: no credential in the ConfigMap`).to.not.match(/token|password|secret/i);
      // Production refuses to start without the token, naming it.
      expect(() => configOf(docs, {})).to.throw(ConfigError, /auth\.token .*PETSAGE_SMOKE_AUTH_TOKEN/);
    }
    // Per node: each line read back from Loki, where the node's shipper sends the file.
    const nodeConfig = configOf(daemonset).config;
    expect(nodeConfig.verify.log.loki).to.include({ match: 'line' });
    expect(nodeConfig.verify.log.loki.url).to.match(/^http/);
    // The image's own production layer says it is read inside the container.
    expect(readFileSync(path.join(REPO_ROOT, 'config', 'production.yaml'), 'utf8').split('\n')[0]).to.match(
      /^# Inside the container/,
    );
  });

  it('the token Secret is required wherever the daemon or a client of it runs, and Prometheus scrapes with it', () => {
    const pods = [
      ...daemons().map(({ name, pod }) => ({ name, pod })),
      { name: 'gate', pod: find(gate, 'Job').spec.template.spec as Json },
      { name: 'examples/cronjob', pod: find(examples, 'CronJob').spec.jobTemplate.spec.template.spec as Json },
    ];
    for (const { name, pod } of pods) {
      const refs = secretRefs(pod);
      expect(refs.length, name).to.be.above(0);
      for (const ref of refs) expect(ref.optional ?? false, `${name}: ${JSON.stringify(ref)}`).to.equal(false);
      const token = pod.containers[0].env.find((e: Json) => e.name === 'PETSAGE_SMOKE_AUTH_TOKEN');
      expect(token?.valueFrom.secretKeyRef, name).to.deep.equal({ name: 'petsage-smoke', key: 'auth-token' });
    }
    const bearer = { type: 'Bearer', credentials: { name: 'petsage-smoke', key: 'auth-token' } };
    expect(find(base, 'ServiceMonitor').spec.endpoints[0].authorization).to.deep.equal(bearer);
    expect(find(daemonset, 'PodMonitor').spec.podMetricsEndpoints[0].authorization).to.deep.equal(bearer);
  });

  for (const kind of ['Deployment', 'DaemonSet'] as const) {
    it(`${kind}: probes on the listener of their own, a grace period above the drain, preStop, non-root with a read-only root and a writable var/`, () => {
      const docs = kind === 'Deployment' ? base : daemonset;
      const pod = find(docs, kind).spec.template.spec as Json;
      const c = pod.containers[0];
      const { config } = configOf(docs);
      const port = (name: string) => c.ports.find((p: Json) => p.name === name)?.containerPort;
      expect(config.server.probes.enabled).to.equal(true);
      expect(port('probes')).to.equal(config.server.probes.port);
      expect(port('http')).to.equal(config.server.port);
      expect(c.livenessProbe.httpGet).to.deep.equal({ path: '/livez', port: 'probes' });
      expect(c.readinessProbe.httpGet).to.deep.equal({ path: '/readyz', port: 'probes' });
      expect(pod.terminationGracePeriodSeconds * 1000).to.be.above(
        config.server.shutdownGracePeriod + c.lifecycle.preStop.sleep.seconds * 1000,
      );
      expect(pod.securityContext.runAsNonRoot).to.equal(true);
      expect(pod.securityContext.runAsUser).to.equal(10001);
      expect(c.securityContext).to.include({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false });
      const varMount = c.volumeMounts.find((m: { mountPath: string }) => m.mountPath === '/app/var');
      expect(varMount.readOnly ?? false).to.equal(false);
      // A full verification capacity fits under the limit: ~1.8 KB of heap per pending run
      // (bench/README.md, "Read-back at full load") on top of an idle daemon (~90 MiB RSS).
      expect(c.resources.limits.memory).to.match(/^\d+Mi$/);
      const limitBytes = parseInt(c.resources.limits.memory, 10) * MiB;
      expect(limitBytes).to.be.at.least(128 * MiB + (config.verify.maxPending + config.verify.maxPendingApi) * 1_900);
    });
  }

  it("the DaemonSet's hostPath is made writable for uid 10001: a root init container with CHOWN alone, before the daemon", () => {
    const pod = find(daemonset, 'DaemonSet').spec.template.spec as Json;
    const volume = pod.volumes.find((v: Json) => v.name === 'var');
    expect(volume.hostPath).to.deep.include({ path: '/var/log/petsage-smoke' });
    const [init] = pod.initContainers;
    expect(init.command).to.deep.equal(['chown', '-R', '-h', '10001:10001', '/app/var']);
    expect(init.volumeMounts).to.deep.include({ name: 'var', mountPath: '/app/var' });
    expect(init.securityContext).to.deep.include({
      runAsUser: 0,
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
    });
    expect(init.securityContext.capabilities).to.deep.equal({ drop: ['ALL'], add: ['CHOWN'] });
    expect(init.image, 'the same image: one image to mirror').to.equal(pod.containers[0].image);
    expect(pod.containers[0].securityContext.runAsUser ?? pod.securityContext.runAsUser).to.equal(10001);
  });

  it('the var/ sizeLimit, the memory limit and the V8 heap limit are the bounds computed from the config each loads (bounds.ts)', () => {
    for (const { name, docs, pod } of daemons()) {
      const { config } = configOf(docs);
      expect(disagreements(pod, config), name).to.deep.equal([]);
      const b = bounds(config);
      // The documented file bounds are all in it: (maxFiles + 1) x maxSize per file, the state file twice at a write.
      const { file } = config.log;
      const spanFiles = pipelinesOf(config)
        .filter((p) => kindOf(p.traces) === 'file')
        .reduce((n, p) => n + (p.traces.file.maxFiles + 1) * p.traces.file.maxSize, 0);
      const stateRuns = pipelinesOf(config).length * config.state.maxRuns;
      expect(b.disk.bytes, name).to.be.at.least(
        (file.maxFiles + 1) * file.maxSize + spanFiles + 2 * stateRuns * PER_ITEM.stateLine,
      );
      // ... and the memory: an idle daemon and every run the capacities let wait.
      const pending = pipelinesOf(config).reduce((n, p) => n + p.verify.maxPending + p.verify.maxPendingApi, 0);
      expect(b.memory.bytes, name).to.be.at.least(PER_ITEM.idleRss + pending * PER_ITEM.pendingRun);
      expect(b.memory.limitMi * MiB).to.be.at.least(b.memory.bytes);
      expect(b.memory.maxOldSpaceMi).to.be.below(b.memory.limitMi);
      // Sane numbers for a smoke test: the Kubernetes configs keep their files and capacities small.
      expect(b.disk.sizeLimitMi, name).to.be.at.most(256);
      expect(b.memory.limitMi, name).to.be.at.most(768);
    }
    // The check bites: a bigger log file, or more runs let wait, and the manifests disagree.
    const { config } = configOf(base);
    const pod = find(base, 'Deployment').spec.template.spec as Json;
    const bigger = (change: (c: Json) => void) => {
      const c = structuredClone(config) as Json;
      change(c);
      return disagreements(pod, c as Config);
    };
    expect(bigger((c) => (c.log.file.maxSize *= 4))).to.deep.equal([
      "the var/ emptyDir sizeLimit is 128Mi, the config's bounds give 256Mi",
    ]);
    expect(bigger((c) => (c.verify.maxPending = 100_000)).join('\n')).to.match(/resources\.limits\.memory is 192Mi/);
  });

  it('a NetworkPolicy lets in Prometheus on the probe port and the labelled clients on the run port, and lets out DNS and the configured backends', () => {
    for (const { name, docs, pod } of daemons()) {
      const policy = find(docs, 'NetworkPolicy').spec;
      const template = find(docs, name === 'overlays/daemonset' ? 'DaemonSet' : 'Deployment').spec.template;
      expect(matches(policy.podSelector.matchLabels, template.metadata.labels), name).to.equal(true);
      expect(policy.policyTypes).to.deep.equal(['Ingress', 'Egress']);
      const portNames = pod.containers[0].ports.map((p: Json) => p.name);
      for (const rule of policy.ingress)
        for (const p of rule.ports) expect(portNames, `${name}: ingress port ${p.port}`).to.include(p.port);
      // Peers as written: kustomize's labels must not have been added to them.
      const [prometheus, clients] = policy.ingress;
      expect(prometheus.from).to.deep.equal([
        {
          namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } },
          podSelector: { matchLabels: { 'app.kubernetes.io/name': 'prometheus' } },
        },
      ]);
      expect(prometheus.ports).to.deep.equal([{ port: 'probes', protocol: 'TCP' }]);
      expect(clients.from).to.deep.equal([{ podSelector: { matchLabels: { 'petsage-smoke/client': 'true' } } }]);
      expect(clients.ports).to.deep.equal([{ port: 'http', protocol: 'TCP' }]);
      const dns = policy.egress[0];
      expect(dns.to[0].podSelector.matchLabels).to.deep.equal({ 'k8s-app': 'kube-dns' });
      expect(dns.ports).to.deep.equal([
        { port: 53, protocol: 'UDP' },
        { port: 53, protocol: 'TCP' },
      ]);
      // Out to every backend the config names (its namespace), and nowhere else.
      const { config } = configOf(docs);
      const wanted = [...new Set(backendUrls(config).map(namespaceOf))].sort();
      const allowed = policy.egress
        .slice(1)
        .map((r: Json) => r.to[0].namespaceSelector.matchLabels['kubernetes.io/metadata.name'])
        .sort();
      expect(allowed, name).to.deep.equal(wanted);
    }
    // The gate Job and the CronJob carry the client label the policy lets in.
    for (const template of [find(gate, 'Job').spec.template, find(examples, 'CronJob').spec.jobTemplate.spec.template])
      expect(template.metadata.labels).to.include({ 'petsage-smoke/client': 'true' });
  });

  it('Prometheus scrapes the probe listener; instance labels are stable across pod restarts (namespace/service, the node); no selector on them', () => {
    const sm = find(base, 'ServiceMonitor').spec.endpoints[0];
    const service = find(base, 'Service').spec.ports.find((p: Json) => p.name === sm.port);
    expect(service).to.deep.include({ port: 8081, targetPort: 'probes' });
    expect(find(daemonset, 'PodMonitor').spec.podMetricsEndpoints[0].port).to.equal('probes');
    expect(sm.relabelings).to.deep.include({
      sourceLabels: ['__meta_kubernetes_namespace', '__meta_kubernetes_service_name'],
      separator: '/',
      targetLabel: 'instance',
    });
    const pm = find(daemonset, 'PodMonitor').spec.podMetricsEndpoints[0].relabelings;
    expect(pm).to.deep.include({ sourceLabels: ['__meta_kubernetes_pod_node_name'], targetLabel: 'instance' });
    for (const r of [...sm.relabelings, ...pm])
      expect(r.sourceLabels ?? []).to.not.include('__meta_kubernetes_pod_name');
    // The metric read-back finds its samples by the process label: no config sets a selector on instance.
    for (const { name, docs } of daemons())
      for (const p of pipelinesOf(configOf(docs).config))
        expect(p.verify.metrics.selector, `${name} ${p.name}`).to.not.match(/instance/);
  });

  it('the tenants overlay: one daemon, three tenants of one Grafana stack, each signal exported with its org id and read back as it', () => {
    const overlayFile = readFileSync(path.join(K8S, 'overlays', 'tenants', 'petsage-smoke.yaml'), 'utf8');
    const exampleFile = path.join(REPO_ROOT, 'config', 'examples', 'tenants.yaml');
    expect(overlayFile, "config/examples/tenants.yaml and the overlay's config are one file").to.equal(
      readFileSync(exampleFile, 'utf8'),
    );
    const { text, config } = configOf(tenants);
    expect(text).to.equal(overlayFile);
    expect(loadConfig({ file: exampleFile, env: { NODE_ENV: 'production', ...TOKEN } })).to.deep.equal(config);
    const pipelines = pipelinesOf(config);
    expect(pipelines.map((p) => p.name)).to.deep.equal(['default', 'team-a', 'team-b', 'team-c']);
    const [own, ...teams] = pipelines;
    expect(kindOf(own!.traces), 'the default pipeline proves the daemon itself').to.equal('file');
    for (const p of teams) {
      const orgId = { 'X-Scope-OrgID': p.name };
      expect(kindOf(p.traces), p.name).to.equal('otlp');
      expect(p.traces.otlp.endpoint).to.match(/^http:\/\/otel-collector\./);
      expect(p.traces.otlp.headers).to.deep.equal(orgId);
      expect(p.log.otlp.endpoint).to.equal(p.traces.otlp.endpoint);
      expect(p.log.otlp.headers).to.deep.equal(orgId);
      expect(p.metrics.otlp).to.deep.include({ exporter: 'otlp', endpoint: p.traces.otlp.endpoint, headers: orgId });
      expect(p.verify.log.loki).to.include({ tenant: p.name, tenantHeader: 'X-Scope-OrgID', match: 'metadata' });
      expect(p.verify.log.loki.url).to.match(/^http:\/\/loki-/);
      expect(p.verify.traces.tempo).to.include({ tenant: p.name, tenantHeader: 'X-Scope-OrgID', search: true });
      expect(p.verify.traces.tempo.url).to.match(/^http:\/\/tempo-/);
      expect(p.verify.metrics).to.include({ tenant: p.name, pathPrefix: '/prometheus', selector: '' });
      expect(p.verify.metrics.prometheusUrl).to.match(/^http:\/\/mimir-/);
      expect(p.schedule.interval).to.equal(15_000);
    }
    // The same stack for each: only the tenant differs.
    const strip = (p: Json) => JSON.stringify(p).replaceAll(p.name, '<tenant>');
    expect(new Set(teams.map(strip)).size).to.equal(1);
  });

  it('the PrometheusRule is generated from prometheus/rules and in sync with it', () => {
    expect(readFileSync(RULE_CRD_FILE, 'utf8'), 'run npm run k8s:rule').to.equal(
      prometheusRule(readFileSync(RULES_FILE, 'utf8')),
    );
    const rule = find(base, 'PrometheusRule');
    const alerts = rule.spec.groups.flatMap((g: { rules: { alert: string }[] }) => g.rules.map((r) => r.alert));
    expect(alerts).to.include.members(['PetsageSmokeDown', 'PetsageSmokeSignalFailing', 'PetsageSmokeWatchdog']);
  });

  it('the gate Job runs `check` against the in-cluster Service and fails the Job on a failed verdict', () => {
    const job = find(gate, 'Job').spec;
    expect(job.backoffLimit).to.equal(0);
    expect(job.template.spec.containers[0].args).to.deep.equal([
      'check',
      '--url',
      'http://petsage-smoke:8080',
      '--timeout',
      '120s',
    ]);
    expect(find(base, 'Service').spec.ports[0]).to.include({ port: 8080 });
  });
});
