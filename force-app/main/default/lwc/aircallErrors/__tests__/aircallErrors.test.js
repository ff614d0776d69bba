import { reduceErrors } from 'c/aircallErrors';

describe('c-aircall-errors', () => {
    it('reads the message of an AuraHandledException', () => {
        expect(reduceErrors({ body: { message: 'Pick a value' }, status: 500 })).toEqual(['Pick a value']);
    });

    it('reads page errors and field errors of a DML failure', () => {
        expect(reduceErrors({ body: { pageErrors: [{ message: 'Locked' }] } })).toEqual(['Locked']);
        expect(reduceErrors({ body: { fieldErrors: { Name: [{ message: 'Required' }] } } })).toEqual(['Required']);
    });

    it('reads JavaScript and network errors, and drops empty ones', () => {
        expect(reduceErrors([new Error('boom'), null, { statusText: 'Service Unavailable' }])).toEqual([
            'boom',
            'Service Unavailable'
        ]);
        expect(reduceErrors({ body: [{ message: 'a' }, { message: 'b' }] })).toEqual(['a', 'b']);
    });
});
