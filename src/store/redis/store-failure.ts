import { KeypoolError } from "../../protocol/keypool-error.js";

/**
 * The shared store did not answer (connection lost, refused, timed out): the
 * one failure a sidecar may survive alone, so it is told apart from every
 * refusal the store answers with. Its message names the store by its masked
 * URL only.
 */
export class StoreFailure extends KeypoolError {
  override readonly name: string = "StoreFailure";

  constructor(message: string, options?: { cause?: unknown }) {
    super("UNAVAILABLE", message, undefined, [], "UNAVAILABLE", options);
  }
}

export function isStoreFailure(err: unknown): err is StoreFailure {
  return err instanceof StoreFailure;
}
