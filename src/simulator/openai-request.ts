import type { Dialect } from "./dialect.js";
import type { EndpointRequest } from "./endpoint.js";
import type { SimError } from "./sim-error.js";

/** Field checks shared by the OpenAI-style endpoints, with OpenAI's wording. */

export function openaiBadRequest(message: string, param: string | null, code: string | null): SimError {
  return { kind: "bad_request", message, param, code };
}

/** The body's `model`; on Azure the deployment in the path stands in for it. */
export function openaiModel(body: Record<string, unknown>, request: EndpointRequest, dialect: Dialect): string | SimError {
  const model = body["model"];
  if (typeof model === "string" && model.length > 0) return model;
  const deployment = request.params["deployment"];
  if (dialect.name === "azure" && deployment !== undefined) return deployment;
  if (model === undefined || model === null) return openaiBadRequest("you must provide a model parameter", null, null);
  return openaiBadRequest("Invalid type for 'model': expected a string.", "model", "invalid_type");
}

/** The first of `names` that is set, checked to be an integer >= 1. */
export function openaiMaxTokens(body: Record<string, unknown>, names: readonly string[]): number | undefined | SimError {
  for (const name of names) {
    const value = body[name];
    if (value === undefined || value === null) continue;
    if (typeof value !== "number" || !Number.isInteger(value)) {
      return openaiBadRequest(`Invalid type for '${name}': expected an integer.`, name, "invalid_type");
    }
    if (value < 1) {
      return openaiBadRequest(
        `Invalid '${name}': integer below minimum value. Expected a value >= 1, but got ${value} instead.`,
        name,
        "integer_below_min_value",
      );
    }
    return value;
  }
  return undefined;
}
