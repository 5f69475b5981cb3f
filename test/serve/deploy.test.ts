// deploy/: the Dockerfile and the Kubernetes manifests parse, agree with each other, and
// agree with the server: the Deployment's arguments start a real `myelin serve`, whose
// probe endpoints answer 200.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { packageRoot } from '../../src/data/builtin.js';
import { DEFAULTS } from '../../src/serve/server.js';
import { trainMlp } from './helpers.js';

const deploy = join(packageRoot(), 'deploy');
const bin = join(packageRoot(), 'bin', 'myelin.js');

function load(file: string): any[] {
  const docs = parseAllDocuments(readFileSync(join(deploy, 'k8s', file), 'utf8'));
  for (const d of docs) assert.deepEqual(d.errors, [], `${file}: ${d.errors.map((e) => e.message).join('; ')}`);
  return docs.map((d) => d.toJS());
}

const deployment = () => load('deployment.yaml').find((d) => d.kind === 'Deployment');

test('Kubernetes manifests: Deployment probes on the v2 health endpoints, resources, Service and HPA point at it', () => {
  const dep = deployment();
  assert.equal(dep.apiVersion, 'apps/v1');
  const pod = dep.spec.template;
  assert.deepEqual(dep.spec.selector.matchLabels, pod.metadata.labels);
  const c = pod.spec.containers[0];
  const http = c.ports.find((p: { name: string }) => p.name === 'http');
  const args: string[] = c.args;
  assert.equal(args[0], 'serve');
  assert.equal(Number(args[args.indexOf('--port') + 1]), http.containerPort);
  assert.equal(args[args.indexOf('--host') + 1], '0.0.0.0');
  assert.equal(c.readinessProbe.httpGet.path, '/v2/health/ready');
  assert.equal(c.livenessProbe.httpGet.path, '/v2/health/live');
  for (const probe of [c.readinessProbe, c.livenessProbe, c.startupProbe]) assert.ok(probe.httpGet.port === 'http' || probe.httpGet.port === http.containerPort);
  for (const k of ['cpu', 'memory']) {
    assert.ok(c.resources.requests[k], `requests.${k}`);
    assert.ok(c.resources.limits[k], `limits.${k}`);
  }
  assert.equal(pod.spec.securityContext.runAsNonRoot, true);
  assert.ok(pod.spec.terminationGracePeriodSeconds >= 10);

  const svc = load('service.yaml').find((d) => d.kind === 'Service');
  assert.deepEqual(svc.spec.selector, pod.metadata.labels);
  const target = svc.spec.ports[0].targetPort;
  assert.ok(target === 'http' || target === http.containerPort);

  const hpa = load('hpa.yaml').find((d) => d.kind === 'HorizontalPodAutoscaler');
  assert.equal(hpa.apiVersion, 'autoscaling/v2');
  assert.deepEqual({ kind: hpa.spec.scaleTargetRef.kind, name: hpa.spec.scaleTargetRef.name }, { kind: 'Deployment', name: dep.metadata.name });
  assert.equal(hpa.spec.metrics[0].resource.name, 'cpu');
  assert.ok(hpa.spec.minReplicas >= 1 && hpa.spec.maxReplicas > hpa.spec.minReplicas);
});

test('Dockerfile: multi-stage, non-root, HEALTHCHECK on readiness, port and command as the Deployment', () => {
  const text = readFileSync(join(deploy, 'Dockerfile'), 'utf8');
  const lines = text.split('\n').filter((l) => !l.trim().startsWith('#'));
  const from = lines.filter((l) => /^FROM /.test(l));
  assert.ok(from.length >= 2, 'multi-stage');
  assert.match(text, /COPY --from=build /);
  const user = lines.filter((l) => /^USER /.test(l)).at(-1);
  assert.ok(user && !/root|\b0\b/.test(user), `non-root USER: ${user}`);
  const expose = Number(/^EXPOSE (\d+)/m.exec(text)?.[1]);
  assert.equal(expose, DEFAULTS.port);
  assert.match(text, /HEALTHCHECK[\s\S]*\/v2\/health\/ready/);
  const cmd = JSON.parse(/^CMD (\[.*\])$/m.exec(text)![1]) as string[];
  assert.equal(cmd[0], 'serve');
  assert.equal(Number(cmd[cmd.indexOf('--port') + 1]), expose);
  const c = deployment().spec.template.spec.containers[0];
  assert.equal(c.ports[0].containerPort, expose);
  assert.equal(c.args[1], cmd[1], 'the Deployment serves the model where the image puts it');
});

test("the Deployment's arguments start a real server whose probe endpoints answer 200, and SIGTERM exits 0", async () => {
  const dir = await trainMlp();
  const args: string[] = deployment().spec.template.spec.containers[0].args.slice();
  args[1] = dir; // the model baked into the image, here a fresh run
  args[args.indexOf('--port') + 1] = '0';
  args[args.indexOf('--host') + 1] = '127.0.0.1';
  const child = spawn(process.execPath, [bin, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  let err = '';
  child.stderr!.on('data', (d) => { err += d; });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d) => { out += d; const m = /listening on (\S+)/.exec(out); if (m) resolve(m[1]); });
    void exited.then((code) => reject(new Error(`exited ${code}: ${err}`)));
  });
  const c = deployment().spec.template.spec.containers[0];
  for (const path of [c.readinessProbe.httpGet.path, c.livenessProbe.httpGet.path, c.startupProbe.httpGet.path]) {
    assert.equal((await fetch(url + path)).status, 200, path);
  }
  child.kill('SIGTERM');
  assert.equal(await exited, 0, err);
});
