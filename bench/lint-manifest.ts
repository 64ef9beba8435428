// A large multi-document manifest like a cluster's GitOps repository rendered into one file:
// metrics-server Deployments and APIServices (with the insecure settings), KubeletConfigurations,
// and the ordinary Deployments, Services and ConfigMaps that make up most of such a file.
const insecureMetricsServer = (i: number) => `# metrics-server for tenant ${i}
apiVersion: apps/v1
kind: Deployment
metadata:
  name: metrics-server-${i}
  namespace: tenant-${i}
  labels: {k8s-app: metrics-server}
spec:
  selector:
    matchLabels: {k8s-app: metrics-server}
  template:
    metadata:
      labels: {k8s-app: metrics-server}
    spec:
      containers:
      - name: metrics-server
        image: registry.k8s.io/metrics-server/metrics-server:v0.7.2
        args:
        - --cert-dir=/tmp
        - --secure-port=10250
        - --kubelet-preferred-address-types=InternalIP,ExternalIP,Hostname
        - --kubelet-insecure-tls # TODO
        volumeMounts:
        - {name: tmp-dir, mountPath: /tmp}
      volumes:
      - {name: tmp-dir, emptyDir: {}}
---
apiVersion: apiregistration.k8s.io/v1
kind: APIService
metadata:
  name: v1beta1.metrics.k8s.io
spec:
  group: metrics.k8s.io
  insecureSkipTLSVerify: true
  service: {name: metrics-server-${i}, namespace: tenant-${i}}
  version: v1beta1
  groupPriorityMinimum: 100
  versionPriority: 100
---
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
rotateCertificates: true
`;

const ordinary = (i: number) => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web-${i}
  namespace: shop
  annotations:
    description: "storefront replica set ${i}"
spec:
  replicas: 3
  selector:
    matchLabels: {app: web-${i}}
  template:
    metadata:
      labels: {app: web-${i}}
    spec:
      containers:
      - name: web
        image: 'nginx:1.27'
        args: ["--port=8080", "--log-level=info"]
        ports:
        - containerPort: 8080
        env:
        - {name: MODE, value: production}
        - name: REGION
          value: eu-west-1
        resources:
          requests: {cpu: 100m, memory: 128Mi}
          limits: {cpu: 500m, memory: 256Mi}
---
apiVersion: v1
kind: Service
metadata: {name: web-${i}, namespace: shop}
spec:
  selector: {app: web-${i}}
  ports:
  - port: 80
    targetPort: 8080
---
apiVersion: v1
kind: ConfigMap
metadata: {name: web-${i}-config, namespace: shop}
data:
  settings.ini: |
    [server]
    workers = 4
    timeout = 30
`;

/** At least `lines` lines: one insecure metrics-server group for every nine ordinary ones. */
export function largeManifest(lines: number): string {
  const parts: string[] = [];
  let count = 0;
  for (let i = 0; count < lines; i++) {
    const part = i % 10 === 0 ? insecureMetricsServer(i) : ordinary(i);
    parts.push(part);
    count += part.split('\n').length;
  }
  return parts.join('---\n');
}
