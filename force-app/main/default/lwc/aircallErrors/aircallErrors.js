/**
 * Turns what an Apex call or a component can throw into messages a user can read: Apex
 * errors (body.message), DML and field errors (body.pageErrors, body.fieldErrors), network
 * errors (statusText) and plain JavaScript errors.
 */
export function reduceErrors(errors) {
    const list = Array.isArray(errors) ? errors : [errors];
    return list
        .filter((error) => Boolean(error))
        .flatMap((error) => {
            const body = error.body;
            if (Array.isArray(body)) return body.map((e) => e.message);
            if (body && Array.isArray(body.pageErrors) && body.pageErrors.length > 0) {
                return body.pageErrors.map((e) => e.message);
            }
            if (body && body.fieldErrors && Object.keys(body.fieldErrors).length > 0) {
                return Object.values(body.fieldErrors).flatMap((errs) => errs.map((e) => e.message));
            }
            if (body && typeof body.message === 'string') return [body.message];
            if (typeof error.message === 'string') return [error.message];
            return [error.statusText || 'Unknown error'];
        })
        .filter((message) => Boolean(message));
}
