/** A Salesforce REST error: HTTP status plus the `[{message, errorCode, fields}]` body. */
export class SfError extends Error {
  constructor(
    readonly status: number,
    readonly errorCode: string,
    message: string,
    readonly fields: readonly string[] = []
  ) {
    super(message);
  }

  /**
   * The documented shape ("Status Codes and Error Responses", REST API Developer Guide): `fields`
   * only when the error names fields (its MALFORMED_ID example has it, its NOT_FOUND one has not).
   */
  body(): { message: string; errorCode: string; fields?: string[] }[] {
    return [
      this.fields.length > 0
        ? { message: this.message, errorCode: this.errorCode, fields: [...this.fields] }
        : { message: this.message, errorCode: this.errorCode }
    ];
  }
}

export const notFound = () => new SfError(404, 'NOT_FOUND', 'The requested resource does not exist');
