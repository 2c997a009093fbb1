import { invalidArgument } from "./keypool-error.js";

const MAX_PROVIDER = 64;
const MAX_MODEL = 256;

/** A request's provider, trimmed and lower-cased; INVALID_ARGUMENT naming the field when empty or too long. */
export function providerField(raw: string | undefined): string {
  const provider = (raw ?? "").trim().toLowerCase();
  if (provider === "") throw invalidArgument("provider: required");
  if (provider.length > MAX_PROVIDER) throw invalidArgument(`provider: longer than ${MAX_PROVIDER} characters`);
  return provider;
}

/** A request's model, "" when absent; INVALID_ARGUMENT naming the field when too long. */
export function modelField(raw: string | undefined): string {
  const model = raw ?? "";
  if (model.length > MAX_MODEL) throw invalidArgument(`model: longer than ${MAX_MODEL} characters`);
  return model;
}
