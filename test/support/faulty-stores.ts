import type { DepartureStore } from "../../functions/adapters/departure-store";
import type { LeadStore } from "../../functions/adapters/lead-store";
import type { Runtime } from "../../functions/adapters/runtime";
import type { Lead } from "../../functions/core/records/lead";

/*
 * Stores that fail on purpose, for crash and retry tests. Each wraps the real store (its other
 * methods still work: the wrapper's prototype is the real store) and leaves the real one untouched.
 */

/**
 * A departure store whose process "dies" after `afterMoves` moves: every later move throws, as
 * if the function had timed out. Moves already under way finish; `settled()` waits for them.
 */
export function aCrashingDepartureStore(real: DepartureStore, afterMoves: number) {
  let calls = 0;
  const started: Promise<Lead | undefined>[] = [];
  const store = Object.create(real) as DepartureStore;
  store.move = (lead, decision, departureId, at) => {
    calls += 1;
    if (calls > afterMoves)
      return Promise.reject(new Error(`simulated crash after ${afterMoves} moves`));
    const move = real.move(lead, decision, departureId, at);
    started.push(move);
    return move;
  };
  return { store, settled: () => Promise.allSettled(started) };
}

/**
 * A departure store that reports "not moved" for one lead `times` times, which is what the real
 * store answers when the lead changed under the departure or its transaction kept conflicting
 * with the moves beside it.
 */
export function aDepartureStoreRefusing(real: DepartureStore, leadId: string, times: number) {
  let refused = 0;
  const store = Object.create(real) as DepartureStore;
  store.move = async (lead, decision, departureId, at) => {
    if (lead.id === leadId && refused < times) {
      refused += 1;
      return undefined;
    }
    return real.move(lead, decision, departureId, at);
  };
  return { store, refused: () => refused };
}

/** A lead store whose applyChange fails once, for one lead, as a throttled or timed-out call would. */
export function aLeadStoreFailingOnce(real: LeadStore, leadId: string) {
  let failed = false;
  const store = Object.create(real) as LeadStore;
  store.applyChange = async (parts, changeId) => {
    if (parts.lead.id === leadId && !failed) {
      failed = true;
      throw new Error("simulated ProvisionedThroughputExceededException");
    }
    return real.applyChange(parts, changeId);
  };
  return store;
}

/** The runtime with some stores replaced. */
export const withStores = (runtime: Runtime, stores: Partial<Runtime>): Runtime => ({
  ...runtime,
  ...stores,
});
