// How many workers divide one account's IAM call budget, from the pollers Temporal reports (counted
// here from sightings; test/unit/temporal/worker-share.test.ts reads them from a stubbed client).
import assert from 'node:assert/strict';
import { POLLER_LIVE_MS, workerShare, type PollerSighting } from '../../../src/core/worker-share';

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
    {
      what: 'a worker last seen exactly the bound before the newest poll still counts',
      pollers: [
        { identity: ME, lastAccessMs: NOW },
        { identity: '202@host-b', lastAccessMs: NOW - POLLER_LIVE_MS },
      ],
      expected: 2,
    },
    {
      what: 'a worker last seen beyond the bound before the newest poll has stopped',
      pollers: [
        { identity: ME, lastAccessMs: NOW },
        { identity: '202@host-b', lastAccessMs: NOW - POLLER_LIVE_MS - 1 },
      ],
      expected: 1,
    },
    {
      what: 'a stopped worker seen on one queue type and recently on the other counts',
      pollers: [
        { identity: '202@host-b', lastAccessMs: NOW - 4 * 60_000 },
        { identity: '202@host-b', lastAccessMs: NOW - 1000 },
      ],
      expected: 2,
    },
    {
      what: 'a worker that stopped 2 minutes ago, while the newest poll is 40 s old, still counts (the bound runs from the newest poll: the safe side)',
      pollers: [
        { identity: '202@host-b', lastAccessMs: NOW - 40_000 },
        { identity: '303@host-c', lastAccessMs: NOW - 120_000 },
      ],
      expected: 3,
    },
    { what: 'a sighting without a time counts (the safe side)', pollers: [{ identity: '202@host-b' }], expected: 2 },
    { what: "a sighting ahead of this worker's clock counts", pollers: [{ identity: '202@host-b', lastAccessMs: NOW + 20_000 }], expected: 2 },
  ];
  for (const { what, pollers, expected } of cases) {
    it(`${what}: ${expected}`, function () {
      assert.equal(workerShare(pollers, NOW, ME), expected);
    });
  }

  // Temporal stamps every poll with the server's clock: another worker's clock never reaches the count,
  // but this worker's own clock may be minutes or hours off the server's. `server` is the server's now;
  // this worker's clock reads NOW. In each case this worker and 202 poll; 303 stopped 3 minutes ago (Temporal lists a poller for 5).
  describe("with this worker's clock off the server's", function () {
    const MINUTE = 60_000;
    const HOUR = 60 * MINUTE;
    const polling = (server: number): PollerSighting[] => [
      { identity: ME, lastAccessMs: server - 1000 },
      { identity: '202@host-b', lastAccessMs: server - 40_000 },
      { identity: '303@host-c', lastAccessMs: server - 3 * MINUTE },
    ];
    const skews: { what: string; aheadMs: number }[] = [
      { what: '5 minutes ahead', aheadMs: 5 * MINUTE },
      { what: '3 hours ahead', aheadMs: 3 * HOUR },
      { what: '91 seconds ahead (just past the bound)', aheadMs: POLLER_LIVE_MS + 1000 },
      { what: '5 minutes behind', aheadMs: -5 * MINUTE },
      { what: '2 hours behind', aheadMs: -2 * HOUR },
    ];
    for (const { what, aheadMs } of skews) {
      it(`${what}: the worker that polls counts and the one that stopped does not: 2`, function () {
        assert.equal(workerShare(polling(NOW - aheadMs), NOW, ME), 2);
      });
      it(`${what}, before Temporal has seen this worker poll: 2`, function () {
        assert.equal(workerShare(polling(NOW - aheadMs).slice(1), NOW, ME), 2);
      });
    }
    it('a day ahead, only this worker seen: 1', function () {
      assert.equal(workerShare([{ identity: ME, lastAccessMs: NOW - 24 * HOUR }], NOW, ME), 1);
    });
    it('hours behind, a worker idle in a minute-long poll still counts: 3', function () {
      const server = NOW + 2 * HOUR;
      const pollers = [
        { identity: ME, lastAccessMs: server - 500 },
        { identity: '202@host-b', lastAccessMs: server - 65_000 },
        { identity: '404@host-d', lastAccessMs: server - 89_000 },
      ];
      assert.equal(workerShare(pollers, NOW, ME), 3);
    });
  });
});
