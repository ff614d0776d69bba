import { LightningElement } from 'lwc';
import { ShowToastEvent } from 'lightning/platformShowToastEvent';
import getAgents from '@salesforce/apex/AircallAgentsController.getAgents';
import saveAgent from '@salesforce/apex/AircallAgentsController.saveAgent';
import { reduceErrors } from 'c/aircallErrors';

/**
 * The owner rule's exceptions (R12): a call's owner is the Salesforce user whose email is the
 * Aircall agent's; when the two emails differ, the admin maps the agent here and the mapping is
 * stored on the user (Aircall Email). Each change is saved at once, apart from the panel's Save.
 */
export default class AircallAgentMapping extends LightningElement {
    loading = true;
    busy = false;
    agents = [];
    canEdit = false;
    errors = [];
    salesforceUser = '';
    aircallEmail = '';

    connectedCallback() {
        this.load();
    }

    async load() {
        this.loading = true;
        this.errors = [];
        try {
            this.show(await getAgents());
        } catch (error) {
            this.errors = reduceErrors(error);
        } finally {
            this.loading = false;
        }
    }

    show(view) {
        this.agents = view.agents || [];
        this.canEdit = view.canEdit;
    }

    get hasAgents() {
        return this.agents.length > 0;
    }
    get showNoAgents() {
        return !this.loading && !this.hasAgents && this.errors.length === 0;
    }
    get hasErrors() {
        return this.errors.length > 0;
    }
    get addDisabled() {
        return this.busy || !this.salesforceUser.trim() || !this.aircallEmail.trim();
    }
    get removeDisabled() {
        return this.busy;
    }

    handleUserChange(event) {
        this.salesforceUser = event.target.value || '';
        this.errors = [];
    }
    handleEmailChange(event) {
        this.aircallEmail = event.target.value || '';
        this.errors = [];
    }

    async handleAdd() {
        const inputs = [...this.template.querySelectorAll('.add-agent lightning-input')];
        // Each field shows its own message (as on blur); nothing is sent while one is invalid.
        inputs.forEach((input) => input.reportValidity());
        if (inputs.some((input) => input.validity && input.validity.valid === false)) return;
        if (await this.save(this.salesforceUser, this.aircallEmail, 'Agent mapped')) {
            this.salesforceUser = '';
            this.aircallEmail = '';
        }
    }

    async handleRemove(event) {
        await this.save(event.target.dataset.userId, '', 'Mapping removed');
    }

    /** Saves one mapping (a blank email removes it); true when it was saved. */
    async save(salesforceUser, aircallEmail, title) {
        this.busy = true;
        this.errors = [];
        try {
            this.show(await saveAgent({ salesforceUser, aircallEmail }));
            this.dispatchEvent(
                new ShowToastEvent({
                    title,
                    message: 'The next calls of this agent are owned by the mapped user.',
                    variant: 'success'
                })
            );
            return true;
        } catch (error) {
            this.errors = reduceErrors(error);
            return false;
        } finally {
            this.busy = false;
        }
    }
}
