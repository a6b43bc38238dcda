/**
 * What the assignment path reports about rotation turns, without depending on the Metrics module: the lead
 * insert calls `observeRotationTurn` only when an observer is registered (metrics on), so with metrics off a
 * turn costs exactly what it did (one null check).
 */
export type RotationTurnObserver = (seconds: number, outcome: 'taken' | 'lock_timeout' | 'error') => void;

const observers = new Set<RotationTurnObserver>();

/** Registers an observer (the MetricsService of an app with metrics on); returns its removal. */
export function onRotationTurn(observer: RotationTurnObserver): () => void {
  observers.add(observer);
  return () => observers.delete(observer);
}

/** Whether anyone listens: the caller skips even reading the clock otherwise. */
export function rotationTurnsObserved(): boolean {
  return observers.size > 0;
}

/** One statement that took (or waited for) a rotation's row lock, `seconds` long in all. */
export function observeRotationTurn(seconds: number, outcome: 'taken' | 'lock_timeout' | 'error'): void {
  for (const observer of observers) observer(seconds, outcome);
}
