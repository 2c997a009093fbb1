import type { PoolSettings } from "../../config/types.js";
import { keyActionBudgetIdle, spendKeyAction, type KeyActionBudget, type KeyActionDecision } from "../../pool/key-action-budget.js";
import type { KeyActionGate } from "../../pool/key-transitions.js";

/**
 * Every client's key-action budget, in this process. Entries whose window is
 * over are swept when a new one is added, so memory follows the clients that
 * acted within the last minute.
 */
export class KeyActionBudgets implements KeyActionGate {
  private readonly budgets = new Map<string, KeyActionBudget>();

  constructor(private readonly settings: () => PoolSettings) {}

  spend(client: string, now: number): KeyActionDecision {
    const before = this.budgets.get(client);
    if (before === undefined) this.sweep(now);
    const decision = spendKeyAction(before, now, this.settings());
    this.budgets.set(client, decision.budget);
    return decision;
  }

  /**
   * What spending would decide now, without spending: a store whose report
   * may yet turn out to be a repeat takes the decision first and commits it
   * only once the report counted.
   */
  preview(client: string, now: number): KeyActionDecision {
    return spendKeyAction(this.budgets.get(client), now, this.settings());
  }

  commit(client: string, decision: KeyActionDecision, now: number): void {
    if (!this.budgets.has(client)) this.sweep(now);
    this.budgets.set(client, decision.budget);
  }

  private sweep(now: number): void {
    for (const [client, budget] of this.budgets) if (keyActionBudgetIdle(budget, now)) this.budgets.delete(client);
  }
}
