/** Moodle's exceptions as the REST server renders them: HTTP 200 with an `exception` body. */

export interface RenderedError {
  exception: string;
  /** Absent for a PHP `Error` (a crash, not a Moodle exception): transcripts #118, #213. */
  errorcode?: string;
  message: string;
  debuginfo?: string;
}

/** A Moodle exception; `missingRecord` ones change code and message with the debug setting (#49 vs on #27). */
export class WsError extends Error {
  constructor(
    readonly exception: string,
    readonly errorcode: string,
    message: string,
    readonly debuginfo?: string,
    readonly missingRecord?: { table: string; sql: string; params: (string | number)[] },
  ) {
    super(message);
  }

  render(debug: boolean): RenderedError {
    if (this.missingRecord) {
      if (!debug) {
        return {
          exception: this.exception,
          errorcode: 'invalidrecordunknown',
          message: "Can't find data record in database.",
        };
      }
      const { table, sql, params } = this.missingRecord;
      const debuginfo = `${sql}\n${varExport(params)}`;
      if (table === 'user') {
        return { exception: this.exception, errorcode: 'invaliduser', message: 'Invalid user', debuginfo };
      }
      return {
        exception: this.exception,
        errorcode: 'invalidrecord',
        message: `Can't find data record in database table ${table}.`,
        debuginfo,
      };
    }
    return {
      exception: this.exception,
      errorcode: this.errorcode,
      message: this.message,
      ...(debug && this.debuginfo !== undefined ? { debuginfo: this.debuginfo } : {}),
    };
  }

  /** The `errorcode` and message a function that catches the exception puts in a warning (update_courses). */
  asWarning(debug: boolean): { warningcode: string; message: string } {
    const rendered = this.render(debug);
    return { warningcode: rendered.errorcode ?? '0', message: rendered.message };
  }
}

export class InvalidParameter extends WsError {
  constructor(debuginfo: string) {
    super(
      'core\\exception\\invalid_parameter_exception',
      'invalidparameter',
      'Invalid parameter value detected',
      debuginfo,
    );
  }
}

/**
 * A PHP `Error` thrown inside a function (e.g. a property set on null): the body has `exception` "Error" and
 * the message, and no `errorcode` (#118, #213).
 */
export class PhpError extends WsError {
  constructor(message: string) {
    super('Error', '', message);
  }

  override render(): RenderedError {
    return { exception: this.exception, message: this.message };
  }
}

export const invalidToken = (): WsError =>
  new WsError('core\\exception\\moodle_exception', 'invalidtoken', 'Invalid token - token not found');

export const missingRecord = (table: string, sql: string, params: (string | number)[]): WsError =>
  new WsError('dml_missing_record_exception', 'invalidrecord', '', undefined, { table, sql, params });

/** `moodle_exception($code, 'error')` for a string the error component lacks: message `error/<code>` (#69). */
export const moodleException = (
  errorcode: string,
  message = `error/${errorcode}`,
  debuginfo?: string,
): WsError => new WsError('core\\exception\\moodle_exception', errorcode, message, debuginfo);

/** `required_capability_exception`: the message names the capability's description, not its name (#169). */
export const requiredCapabilityException = (description: string): WsError =>
  new WsError(
    'core\\exception\\required_capability_exception',
    'nopermissions',
    `Sorry, but you do not currently have permissions to do that (${description}).`,
  );

/** `require_login_exception`, e.g. a hidden course without moodle/course:viewhiddencourses (#175). */
export const requireLoginException = (debuginfo: string): WsError =>
  new WsError(
    'core\\exception\\require_login_exception',
    'requireloginerror',
    'Course or activity not accessible.',
    debuginfo,
  );

/** PHP `var_export` of a list, wrapped in brackets, as in dml debuginfo (debug-on #27, #36). */
function varExport(values: (string | number)[]): string {
  const lines = values.map(
    (value, index) =>
      `  ${index} => ${typeof value === 'number' ? value : `'${value.replace(/[\\']/g, '\\$&')}'`},`,
  );
  return `[array (\n${lines.join('\n')}\n)]`;
}
