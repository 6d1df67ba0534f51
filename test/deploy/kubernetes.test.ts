import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { parseAllDocuments } from 'yaml';
import { loadConfig } from '../../src/config/load';
import { RULES_FILE, RULE_CRD_FILE, prometheusRule } from '../../deploy/kubernetes/prometheusRule';
import { REPO_ROOT } from '../support/repo';
import { tmpDir } from '../support/tmp';

const K8S = path.join(REPO_ROOT, 'deploy', 'kubernetes');
type Manifest = { apiVersion: string; kind: string; metadata: { name: string }; [key: string]: unknown };
type Model = new (data: unknown) => { validate(): void };

/** `kubectl kustomize` (kustomize built into kubectl): the output a cluster would get. */
function kustomize(dir: string): Manifest[] {
  const res = spawnSync('kubectl', ['kustomize', path.join(K8S, dir)], { encoding: 'utf8' });
  expect(res.error, 'kubectl must be installed: run the README test command').to.equal(undefined);
  expect(res.status, res.stderr).to.equal(0);
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
  const monitoring = await import('@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1');
  return {
    'apps/v1/Deployment': apps.Deployment as unknown as Model,
    'apps/v1/DaemonSet': apps.DaemonSet as unknown as Model,
    'v1/Service': core.Service as unknown as Model,
    'v1/ConfigMap': core.ConfigMap as unknown as Model,
    'v1/Secret': core.Secret as unknown as Model,
    'policy/v1/PodDisruptionBudget': policy.PodDisruptionBudget as unknown as Model,
    'batch/v1/Job': batch.Job as unknown as Model,
    'batch/v1/CronJob': batch.CronJob as unknown as Model,
    'monitoring.coreos.com/v1/ServiceMonitor': monitoring.ServiceMonitor as unknown as Model,
    'monitoring.coreos.com/v1/PodMonitor': monitoring.PodMonitor as unknown as Model,
    'monitoring.coreos.com/v1/PrometheusRule': monitoring.PrometheusRule as unknown as Model,
  };
}

const find = (docs: Manifest[], kind: string) => {
  const doc = docs.find((d) => d.kind === kind);
  expect(doc, kind).to.not.equal(undefined);
  return doc as Manifest & { spec: Record<string, any> }; // eslint-disable-line @typescript-eslint/no-explicit-any
};

describe('Kubernetes manifests (deploy/kubernetes), validated offline', () => {
  let byKind: Record<string, Model>;
  let base: Manifest[];
  let daemonset: Manifest[];
  let gate: Manifest[];
  let examples: Manifest[];

  before(async () => {
    byKind = await models();
    base = kustomize('base');
    daemonset = kustomize('overlays/daemonset');
    gate = kustomize('gate');
    examples = [...fileDocs('examples/cronjob.yaml'), ...fileDocs('examples/secret.yaml')];
  });

  it('every rendered manifest (base, per-node overlay, gate, examples) is valid against its schema', () => {
    const all = [...base, ...daemonset, ...gate, ...examples];
    expect(base.map((d) => d.kind).sort()).to.deep.equal([
      'ConfigMap',
      'Deployment',
      'PodDisruptionBudget',
      'PrometheusRule',
      'Service',
      'ServiceMonitor',
    ]);
    expect(daemonset.map((d) => d.kind).sort()).to.deep.equal([
      'ConfigMap',
      'DaemonSet',
      'PodMonitor',
      'PrometheusRule',
      'Service',
    ]);
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
  });

  it('the ConfigMap holds a production config the daemon loads, with no secret in it; the token comes from the Secret', () => {
    const configMap = find(base, 'ConfigMap') as unknown as { data: Record<string, string> };
    const file = path.join(tmpDir(), 'petsage-smoke.yaml');
    writeFileSync(file, configMap.data['petsage-smoke.yaml']!);
    const config = loadConfig({ file, env: { NODE_ENV: 'production' } });
    expect(config.server.host).to.equal('0.0.0.0');
    expect(config.auth.token).to.equal('');
    expect(config.log.file.path.startsWith('/app/var/')).to.equal(true);
    expect(config.state.path.startsWith('/app/var/')).to.equal(true);
    const settings = configMap.data['petsage-smoke.yaml']!.replace(/#.*$/gm, '');
    expect(settings, 'no credential in the ConfigMap').to.not.match(/token|password|secret/i);
    // Per node: the same, and each line read back from Loki, where the node's shipper sends the file.
    const perNode = find(daemonset, 'ConfigMap') as unknown as { data: Record<string, string> };
    const nodeFile = path.join(tmpDir(), 'petsage-smoke.yaml');
    writeFileSync(nodeFile, perNode.data['petsage-smoke.yaml']!);
    const nodeConfig = loadConfig({ file: nodeFile, env: { NODE_ENV: 'production' } });
    expect(nodeConfig.verify.log.loki).to.include({ match: 'line' });
    expect(nodeConfig.verify.log.loki.url).to.match(/^http/);
    const container = find(base, 'Deployment').spec.template.spec.containers[0];
    const token = container.env.find((e: { name: string }) => e.name === 'PETSAGE_SMOKE_AUTH_TOKEN');
    expect(token.valueFrom.secretKeyRef).to.include({ name: 'petsage-smoke', optional: true });
  });

  for (const kind of ['Deployment', 'DaemonSet'] as const) {
    it(`${kind}: probes, a grace period above the drain, preStop, non-root with a read-only root and a writable var/`, () => {
      const pod = find(kind === 'Deployment' ? base : daemonset, kind).spec.template.spec;
      const c = pod.containers[0];
      expect(c.livenessProbe.httpGet.path).to.equal('/livez');
      expect(c.readinessProbe.httpGet.path).to.equal('/readyz');
      const config = loadConfig({
        file: path.join(K8S, 'base', 'petsage-smoke.yaml'),
        env: { NODE_ENV: 'production' },
      });
      expect(pod.terminationGracePeriodSeconds * 1000).to.be.above(
        config.server.shutdownGracePeriod + c.lifecycle.preStop.sleep.seconds * 1000,
      );
      expect(pod.securityContext.runAsNonRoot).to.equal(true);
      expect(c.securityContext).to.include({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false });
      const varMount = c.volumeMounts.find((m: { mountPath: string }) => m.mountPath === '/app/var');
      expect(varMount.readOnly ?? false).to.equal(false);
      // A full verification capacity fits under the limit: ~1.8 KB of heap per pending run
      // (bench/README.md, "Read-back at full load") on top of an idle daemon (~90 MiB RSS).
      expect(c.resources.limits.memory).to.match(/^\d+Mi$/);
      const limitBytes = parseInt(c.resources.limits.memory, 10) * 2 ** 20;
      expect(limitBytes).to.be.at.least(
        128 * 2 ** 20 + (config.verify.maxPending + config.verify.maxPendingApi) * 1_900,
      );
    });
  }

  it('instance labels are stable across pod restarts: namespace/service per cluster, the node per node', () => {
    const sm = find(base, 'ServiceMonitor').spec.endpoints[0].relabelings;
    expect(sm).to.deep.include({
      sourceLabels: ['__meta_kubernetes_namespace', '__meta_kubernetes_service_name'],
      separator: '/',
      targetLabel: 'instance',
    });
    const pm = find(daemonset, 'PodMonitor').spec.podMetricsEndpoints[0].relabelings;
    expect(pm).to.deep.include({ sourceLabels: ['__meta_kubernetes_pod_node_name'], targetLabel: 'instance' });
    for (const r of [...sm, ...pm]) expect(r.sourceLabels ?? []).to.not.include('__meta_kubernetes_pod_name');
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
