/** A refusal an engineer can act on: thrown before anything is sent and before the registry changes. */
export class WorkflowError extends Error {
  override name = 'WorkflowError';
}
