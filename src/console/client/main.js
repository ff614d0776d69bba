// The console's entry: synthetic shadow first (the Lightning base components need it), then
// the Apex bridge the shims call, then the shell.
import '@lwc/synthetic-shadow';
import { createElement } from 'lwc';
import App from 'console/app';

// Answers an @AuraEnabled method through the console's endpoint. A failure is shaped like
// the error Lightning gives a component (body.message), so the components handle both alike.
window.__aircallApex = async (name, params) => {
    const response = await fetch(`/console/api/apex/${name}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(params)
    });
    const body = await response.json().catch(() => ({ message: response.statusText }));
    if (!response.ok) {
        const error = new Error(body.message);
        error.body = { message: body.message };
        error.status = response.status;
        throw error;
    }
    return body;
};

document.getElementById('main').appendChild(createElement('console-app', { is: App }));
