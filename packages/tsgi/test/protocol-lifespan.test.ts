import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ProtocolError } from '../src/errors.js';
import {
  LIFESPAN_TRANSITIONS,
  LifespanCycle,
  type LifespanEventType,
  type LifespanState,
} from '../src/protocol/lifespan.js';

function throwsId(fn: () => unknown, id: string): ProtocolError {
  let caught: unknown;
  try {
    fn();
  } catch (error) {
    caught = error;
  }
  assert.ok(caught instanceof ProtocolError, `expected a ProtocolError, got ${String(caught)}`);
  assert.equal(caught.requirement, id, caught.message);
  return caught;
}

const SERVER_EVENTS: ReadonlySet<string> = new Set(['lifespan.startup', 'lifespan.shutdown']);

/** Applies an event in its direction: server events are delivered, replies sent. */
function apply(cycle: LifespanCycle, type: LifespanEventType): void {
  if (SERVER_EVENTS.has(type)) cycle.deliver({ type });
  else cycle.send({ type });
}

const PATHS: Record<Exclude<LifespanState, 'failed'>, LifespanEventType[]> = {
  idle: [],
  starting: ['lifespan.startup'],
  started: ['lifespan.startup', 'lifespan.startup.complete'],
  'startup-failed': ['lifespan.startup', 'lifespan.startup.failed'],
  stopping: ['lifespan.startup', 'lifespan.startup.complete', 'lifespan.shutdown'],
  stopped: [
    'lifespan.startup',
    'lifespan.startup.complete',
    'lifespan.shutdown',
    'lifespan.shutdown.complete',
  ],
  'shutdown-failed': [
    'lifespan.startup',
    'lifespan.startup.complete',
    'lifespan.shutdown',
    'lifespan.shutdown.failed',
  ],
};

function inState(state: Exclude<LifespanState, 'failed'>): LifespanCycle {
  const cycle = new LifespanCycle();
  cycle.receive();
  for (const type of PATHS[state]) apply(cycle, type);
  assert.equal(cycle.state, state);
  return cycle;
}

type Row = Record<LifespanEventType, string>;
const afterStartupReply = (shutdown: string): Row => ({
  'lifespan.startup': 'LS-2',
  'lifespan.startup.complete': 'LS-6',
  'lifespan.startup.failed': 'LS-6',
  'lifespan.shutdown': shutdown,
  'lifespan.shutdown.complete': 'LS-6',
  'lifespan.shutdown.failed': 'LS-6',
});
const EXPECTED: Record<Exclude<LifespanState, 'failed'>, Row> = {
  idle: {
    'lifespan.startup': 'starting',
    'lifespan.startup.complete': 'LS-6',
    'lifespan.startup.failed': 'LS-6',
    'lifespan.shutdown': 'LS-2',
    'lifespan.shutdown.complete': 'LS-6',
    'lifespan.shutdown.failed': 'LS-6',
  },
  starting: {
    'lifespan.startup': 'LS-2',
    'lifespan.startup.complete': 'started',
    'lifespan.startup.failed': 'startup-failed',
    'lifespan.shutdown': 'LS-2',
    'lifespan.shutdown.complete': 'LS-6',
    'lifespan.shutdown.failed': 'LS-6',
  },
  started: afterStartupReply('stopping'),
  'startup-failed': afterStartupReply('LS-3'),
  stopping: {
    'lifespan.startup': 'LS-2',
    'lifespan.startup.complete': 'LS-6',
    'lifespan.startup.failed': 'LS-6',
    'lifespan.shutdown': 'LS-5',
    'lifespan.shutdown.complete': 'stopped',
    'lifespan.shutdown.failed': 'shutdown-failed',
  },
  stopped: afterStartupReply('LS-5'),
  'shutdown-failed': afterStartupReply('LS-5'),
};

const LEGAL_ID: Record<LifespanEventType, string> = {
  'lifespan.startup': 'LS-2',
  'lifespan.startup.complete': 'LS-6',
  'lifespan.startup.failed': 'LS-6',
  'lifespan.shutdown': 'LS-5',
  'lifespan.shutdown.complete': 'LS-6',
  'lifespan.shutdown.failed': 'LS-6',
};

const isId = (text: string) => /-\d+$/.test(text);

describe('LifespanCycle table', () => {
  for (const [state, row] of Object.entries(EXPECTED) as [
    Exclude<LifespanState, 'failed'>,
    Row,
  ][]) {
    for (const [type, outcome] of Object.entries(row) as [LifespanEventType, string][]) {
      const legal = !isId(outcome);
      it(`[${legal ? LEGAL_ID[type] : outcome}] ${state} + ${type} ${legal ? `moves to ${outcome}` : 'is rejected'}`, () => {
        const cycle = inState(state);
        if (legal) {
          apply(cycle, type);
          assert.equal(cycle.state, outcome);
        } else {
          throwsId(() => apply(cycle, type), outcome);
        }
      });
    }
  }
  it('[LS-6] the data table lists exactly the legal cells', () => {
    for (const [state, row] of Object.entries(EXPECTED)) {
      const legal = Object.fromEntries(Object.entries(row).filter(([, outcome]) => !isId(outcome)));
      assert.deepEqual({ ...LIFESPAN_TRANSITIONS[state as LifespanState] }, legal, state);
    }
    assert.deepEqual(LIFESPAN_TRANSITIONS.failed, {});
  });
  it('[LS-6] a malformed reply during startup fails the cycle; later replies throw it again', () => {
    const cycle = inState('starting');
    const error = throwsId(
      () => cycle.send({ type: 'lifespan.startup.failed', message: 3 }),
      'LS-7',
    );
    assert.equal(cycle.state, 'failed');
    assert.throws(
      () => cycle.send({ type: 'lifespan.startup.complete' }),
      (e) => e === error,
    );
    throwsId(() => cycle.deliver({ type: 'lifespan.shutdown' }), 'LS-2');
  });
});

describe('LifespanCycle events', () => {
  it('[LS-2] the first receive gives lifespan.startup, later ones wait', () => {
    const cycle = new LifespanCycle();
    assert.deepEqual(cycle.receive(), { kind: 'startup' });
    assert.deepEqual(cycle.receive(), { kind: 'wait' });
    cycle.deliver({ type: 'lifespan.startup' });
    assert.deepEqual(cycle.receive(), { kind: 'wait' });
  });
  it('[LS-6] turns replies into actions for the server', () => {
    const cycle = inState('starting');
    assert.deepEqual(cycle.send({ type: 'lifespan.startup.complete' }), {
      kind: 'startup-complete',
    });
    cycle.deliver({ type: 'lifespan.shutdown' });
    assert.deepEqual(cycle.send({ type: 'lifespan.shutdown.failed', message: 'db' }), {
      kind: 'shutdown-failed',
      message: 'db',
    });
  });
  it('[LS-6] rejects complete before startup', () => {
    throwsId(() => new LifespanCycle().send({ type: 'lifespan.startup.complete' }), 'LS-6');
  });
  it('[LS-6] rejects two replies to startup', () => {
    const cycle = inState('starting');
    cycle.send({ type: 'lifespan.startup.complete' });
    const error = throwsId(() => cycle.send({ type: 'lifespan.startup.failed' }), 'LS-6');
    assert.match(error.message, /exactly one reply to lifespan\.startup/);
  });
  it('[LS-6] rejects two replies to shutdown', () => {
    const cycle = inState('stopped');
    throwsId(() => cycle.send({ type: 'lifespan.shutdown.complete' }), 'LS-6');
  });
  it('[LS-7] rejects a failure message that is not a string', () => {
    throwsId(
      () => inState('starting').send({ type: 'lifespan.startup.failed', message: {} }),
      'LS-7',
    );
    throwsId(
      () => inState('stopping').send({ type: 'lifespan.shutdown.failed', message: null }),
      'LS-7',
    );
  });
  it('[LS-7] a failure without a message has an empty one', () => {
    assert.deepEqual(inState('starting').send({ type: 'lifespan.startup.failed' }), {
      kind: 'startup-failed',
      message: '',
    });
  });
  it('[SRV-3] rejects unknown types and server events sent by the app', () => {
    throwsId(() => inState('starting').send({ type: 'lifespan.startup' }), 'SRV-3');
    throwsId(() => inState('starting').send({ type: 'lifespan.ready' }), 'SRV-3');
    throwsId(() => inState('starting').send([]), 'SRV-3');
  });
  it('[SRV-2] rejects an unknown event from the server', () => {
    throwsId(() => new LifespanCycle().deliver({ type: 'lifespan.startup.complete' }), 'SRV-2');
    throwsId(() => new LifespanCycle().deliver('lifespan.startup'), 'SRV-2');
  });
});

describe('LifespanCycle settlement', () => {
  it('[LS-4] an app that settles before its first receive does not support lifespan', () => {
    const returned = new LifespanCycle().appReturned();
    assert.deepEqual(returned, {
      action: 'unsupported',
      requirement: 'LS-4',
      error: null,
      log: false,
      violation: null,
      message: null,
    });
    const threw = new LifespanCycle().appThrew(new Error('unknown scope type lifespan'));
    assert.equal(threw.action, 'unsupported');
    assert.equal(threw.log, false);
  });
  it('[LS-3] a throw during startup fails startup with its message', () => {
    const cycle = inState('starting');
    const outcome = cycle.appThrew(new Error('no database'));
    assert.equal(outcome.action, 'startup-failed');
    assert.equal(outcome.requirement, 'LS-3');
    assert.equal(outcome.message, 'no database');
    assert.equal(outcome.log, true);
  });
  it('[LS-3] lifespan.startup.failed fails startup with the app message', () => {
    const cycle = inState('starting');
    cycle.send({ type: 'lifespan.startup.failed', message: 'config missing' });
    const outcome = cycle.appReturned();
    assert.equal(outcome.action, 'startup-failed');
    assert.equal(outcome.message, 'config missing');
    assert.equal(outcome.violation, null);
  });
  it('[LS-6] a return during startup without a reply fails startup and is a violation', () => {
    const outcome = inState('starting').appReturned();
    assert.equal(outcome.action, 'startup-failed');
    assert.equal(outcome.violation?.requirement, 'LS-6');
    assert.match(outcome.message ?? '', /LS-6/);
  });
  it('[LS-6] a return during shutdown without a reply fails shutdown', () => {
    const outcome = inState('stopping').appReturned();
    assert.equal(outcome.action, 'shutdown-failed');
    assert.equal(outcome.violation?.requirement, 'LS-6');
  });
  it('[LS-5] a throw during shutdown fails shutdown; a reply then return is ok', () => {
    assert.equal(inState('stopping').appThrew(new Error('x')).action, 'shutdown-failed');
    assert.equal(inState('stopped').appReturned().action, 'ok');
    const failed = inState('shutdown-failed').appReturned();
    assert.equal(failed.action, 'shutdown-failed');
  });
  it('[LS-1] a return after startup completed is ok', () => {
    const outcome = inState('started').appReturned();
    assert.equal(outcome.action, 'ok');
    assert.equal(outcome.log, false);
  });
  it('[APP-5] rejects send() and receive() after the app settled', () => {
    const cycle = inState('starting');
    cycle.appReturned();
    throwsId(() => cycle.send({ type: 'lifespan.startup.complete' }), 'APP-5');
    throwsId(() => cycle.receive(), 'APP-5');
  });
});
