// scripts/run deploy:generate: writes deploy/base/approver.yaml from the objects that
// `kubectl certs approver install` applies (plugin/src/approver/install-objects.ts), so the two
// never differ; plugin/test/deploy-base.test.ts fails when the file is stale.
import { writeFileSync } from 'node:fs';
import { DEPLOY_BASE_FILE, deployBaseYaml } from '../plugin/src/approver/deploy-base.ts';

writeFileSync(DEPLOY_BASE_FILE, deployBaseYaml());
console.error(`wrote ${DEPLOY_BASE_FILE}`);
