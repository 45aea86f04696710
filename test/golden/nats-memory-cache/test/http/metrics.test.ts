import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { testApp } from '../helpers.ts';

describe('GET /metrics', () => {
  it('exposes default metrics and request durations by route, method and status, probes left out', async (t) => {
    const app = await testApp();
    t.after(() => app.close());
    await app.inject({ url: '/metrics' });
    await app.inject({ url: '/metrics' });
    await app.inject({ url: '/livez' });
    await app.inject({ url: '/readyz' });
    await app.inject({ url: '/no/such/route' });
    const response = await app.inject({ url: '/metrics' });
    assert.equal(response.statusCode, 200);
    assert.match(response.headers['content-type'] ?? '', /^text\/plain/);
    assert.match(response.body, /^process_cpu_user_seconds_total\{service="orders"\} /m);
    assert.match(response.body, /^nodejs_eventloop_lag_seconds/m);
    assert.match(response.body, /^http_request_duration_seconds_bucket\{le="\+Inf",service="orders",method="GET",route="\/metrics",status_code="200"\} 2$/m);
    assert.doesNotMatch(response.body, /route="\/(livez|readyz|startupz)"/, 'probes are not counted');
    assert.match(response.body, /^http_request_duration_seconds_count\{service="orders",method="GET",route="unmatched",status_code="404"\} 1$/m);
  });
});
