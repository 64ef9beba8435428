import { describe, expect, it } from 'vitest';
import { type DeploymentRollout, rolloutStatus } from '../../src/secure/rollout-status.ts';

const deployment = (status: DeploymentRollout['status'], more: Partial<DeploymentRollout> = {}) => ({
  name: 'metrics-server',
  generation: 2,
  replicas: 2,
  status: { observedGeneration: 2, ...status },
  ...more,
});

// kubectl's DeploymentStatusViewer, case by case, in its words.
describe('a rollout, judged as kubectl rollout status judges it', () => {
  it.each([
    [
      'the controller has not seen the new spec',
      deployment({ observedGeneration: 1, replicas: 2, updatedReplicas: 2, availableReplicas: 2 }),
      'waiting',
      'Waiting for deployment spec update to be observed...',
    ],
    [
      'not every replica is updated',
      deployment({ replicas: 3, updatedReplicas: 1, availableReplicas: 2 }),
      'waiting',
      'Waiting for deployment "metrics-server" rollout to finish: 1 out of 2 new replicas have been updated...',
    ],
    [
      'old replicas are still there',
      deployment({ replicas: 3, updatedReplicas: 2, availableReplicas: 2 }),
      'waiting',
      'Waiting for deployment "metrics-server" rollout to finish: 1 old replicas are pending termination...',
    ],
    [
      'the updated replicas are not available yet',
      deployment({ replicas: 2, updatedReplicas: 2, availableReplicas: 1 }),
      'waiting',
      'Waiting for deployment "metrics-server" rollout to finish: 1 of 2 updated replicas are available...',
    ],
    [
      'every replica updated and available',
      deployment({ replicas: 2, updatedReplicas: 2, availableReplicas: 2 }),
      'done',
      'deployment "metrics-server" successfully rolled out',
    ],
    [
      'replicas unset count as the default 1',
      deployment({ replicas: 1, updatedReplicas: 1, availableReplicas: 0 }, { replicas: undefined }),
      'waiting',
      'Waiting for deployment "metrics-server" rollout to finish: 0 of 1 updated replicas are available...',
    ],
    [
      'scaled to zero is rolled out at once',
      deployment({}, { replicas: 0 }),
      'done',
      'deployment "metrics-server" successfully rolled out',
    ],
    [
      'the controller gave up (progress deadline)',
      deployment({
        replicas: 2,
        updatedReplicas: 1,
        conditions: [{ type: 'Progressing', reason: 'ProgressDeadlineExceeded' }],
      }),
      'failed',
      'deployment "metrics-server" exceeded its progress deadline',
    ],
  ])('%s', (_, d, state, message) => {
    expect(rolloutStatus(d)).toEqual({ state, message });
  });
});
