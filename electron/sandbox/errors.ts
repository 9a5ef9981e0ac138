// One error type for the whole emulator; the REST layer renders it as `errors[]`
// (docs/shotgrid-wire.md §1.5) and the api3 layer as `{exception, message, error_code}` (§4).

export class SandboxError extends Error {
  constructor(
    readonly status: number,
    readonly code: number,
    readonly title: string,
    readonly source: unknown = {},
    readonly detail: string | null = null,
  ) {
    super(title);
  }
}

/** 400 code 103: an invalid request (unknown field, bad relation, bad value). */
export const invalid = (title: string, source: unknown = {}): SandboxError => new SandboxError(400, 103, title, source);

/** 404 code 103: unknown entity type. */
export const unknownType = (type: string): SandboxError => new SandboxError(404, 103, `Entity type '${type}' does not exist.`);

/** 404 code 104 as written by PUT, DELETE and revive. */
export const missingRecord = (type: string, id: number): SandboxError =>
  new SandboxError(404, 104, `Entity of type [${type}] with id=${id} does not exist.`);
