/**
 * An error the user can act on: printed as one line "error: <message>" with `exitCode`, never
 * with a stack trace.
 */
export class UserError extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode = 1) {
    super(message);
    this.name = 'UserError';
    this.exitCode = exitCode;
  }
}
