// How many workers divide one account's IAM call budget, from the pollers Temporal reports.
import assert from 'node:assert/strict';
import { POLLER_LIVE_MS, workerShare, type PollerSighting } from '../../src/core/worker-share';

const NOW = Date.parse('2026-06-01T12:00:00Z');
const ME = '101@host-a';

describe("a worker's share of the call budget", function () {
  const cases: { what: string; pollers: PollerSighting[]; expected: number }[] = [
    { what: 'Temporal has not seen anyone poll yet: this worker alone', pollers: [], expected: 1 },
    { what: 'only this worker', pollers: [{ identity: ME, lastAccessMs: NOW - 1000 }], expected: 1 },
    {
      what: 'this worker and another, each seen on both the workflow and the activity queue',
      pollers: [
        { identity: ME, lastAccessMs: NOW - 1000 },
        { identity: '202@host-b', lastAccessMs: NOW - 2000 },
        { identity: ME, lastAccessMs: NOW - 30_000 },
        { identity: '202@host-b', lastAccessMs: NOW - 500 },
      ],
      expected: 2,
    },
    { what: 'another worker, before Temporal has seen this one poll', pollers: [{ identity: '202@host-b', lastAccessMs: NOW - 10 }], expected: 2 },
    {
      what: 'three others, one idle in a minute-long poll',
      pollers: [
        { identity: '202@host-b', lastAccessMs: NOW - 100 },
        { identity: '303@host-c', lastAccessMs: NOW - 60_000 },
        { identity: '404@host-d', lastAccessMs: NOW - 5000 },
      ],
      expected: 4,
    },
    { what: 'a worker last seen exactly at the bound still counts', pollers: [{ identity: '202@host-b', lastAccessMs: NOW - POLLER_LIVE_MS }], expected: 2 },
    { what: 'a worker last seen beyond the bound has stopped', pollers: [{ identity: '202@host-b', lastAccessMs: NOW - POLLER_LIVE_MS - 1 }], expected: 1 },
    {
      what: 'a stopped worker seen on one queue type and recently on the other counts',
      pollers: [
        { identity: '202@host-b', lastAccessMs: NOW - 4 * 60_000 },
        { identity: '202@host-b', lastAccessMs: NOW - 1000 },
      ],
      expected: 2,
    },
    { what: 'a sighting without a time counts (the safe side)', pollers: [{ identity: '202@host-b' }], expected: 2 },
    { what: "a sighting ahead of this worker's clock counts", pollers: [{ identity: '202@host-b', lastAccessMs: NOW + 20_000 }], expected: 2 },
  ];
  for (const { what, pollers, expected } of cases) {
    it(`${what}: ${expected}`, function () {
      assert.equal(workerShare(pollers, NOW, ME), expected);
    });
  }
});
