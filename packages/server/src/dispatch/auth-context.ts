/** @module Who is asking: the authorization subjects an edge derived from the credentials. */

export interface AuthContext {
  /** All subjects of the caller, e.g. ["nginx:alice"]; policies grant to any of them. */
  readonly subjects: readonly string[];
  /** The subject that becomes owner of default policies and `{{ request:subjectId }}`. */
  readonly primary: string;
}
