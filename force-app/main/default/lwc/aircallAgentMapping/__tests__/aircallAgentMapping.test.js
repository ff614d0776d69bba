import { createElement } from 'lwc';
import AircallAgentMapping from 'c/aircallAgentMapping';
import getAgents from '@salesforce/apex/AircallAgentsController.getAgents';
import saveAgent from '@salesforce/apex/AircallAgentsController.saveAgent';

jest.mock('@salesforce/apex/AircallAgentsController.getAgents', () => ({ default: jest.fn() }), { virtual: true });
jest.mock('@salesforce/apex/AircallAgentsController.saveAgent', () => ({ default: jest.fn() }), { virtual: true });

const RAVI = {
    userId: '005000000000002AAA',
    name: 'Ravi Patel',
    email: 'ravi@acme.example',
    aircallEmail: 'ravi.patel@aircall-login.example'
};

const flush = () => new Promise((resolve) => setTimeout(resolve, 0));

async function mount(view = { agents: [RAVI], canEdit: true }) {
    getAgents.mockResolvedValue(JSON.parse(JSON.stringify(view)));
    const element = createElement('c-aircall-agent-mapping', { is: AircallAgentMapping });
    const toasts = [];
    element.addEventListener('lightning__showtoast', (event) => toasts.push(event.detail));
    document.body.appendChild(element);
    await flush();
    const $ = (selector) => element.shadowRoot.querySelector(selector);
    return { element, toasts, $ };
}

async function type(input, value) {
    input.value = value;
    input.dispatchEvent(new CustomEvent('change'));
    await flush();
}

describe('c-aircall-agent-mapping', () => {
    afterEach(() => {
        while (document.body.firstChild) document.body.removeChild(document.body.firstChild);
        jest.clearAllMocks();
    });

    it('lists the mapped agents with their Salesforce user', async () => {
        const { element } = await mount();
        const rows = element.shadowRoot.querySelectorAll('table.agents tbody tr');
        expect(rows).toHaveLength(1);
        expect([...rows[0].children].map((cell) => cell.textContent)).toEqual([
            'ravi.patel@aircall-login.example',
            'Ravi Patel',
            'ravi@acme.example',
            ''
        ]);
    });

    it('says when no agent is mapped', async () => {
        const { $ } = await mount({ agents: [], canEdit: true });
        expect($('table.agents')).toBeNull();
        expect($('.no-agents').textContent).toContain('No agent is mapped');
    });

    it('maps an agent: enabled once both are given, saved at once, with a toast, and the form cleared', async () => {
        const { element, toasts, $ } = await mount({ agents: [], canEdit: true });
        expect($('lightning-button.add').disabled).toBe(true);
        await type($('lightning-input.salesforce-user'), 'ravi@acme.example');
        expect($('lightning-button.add').disabled).toBe(true);
        await type($('lightning-input.aircall-email'), 'ravi.patel@aircall-login.example');
        expect($('lightning-button.add').disabled).toBe(false);

        saveAgent.mockResolvedValue({ agents: [RAVI], canEdit: true });
        $('lightning-button.add').click();
        await flush();
        expect(saveAgent).toHaveBeenCalledWith({
            salesforceUser: 'ravi@acme.example',
            aircallEmail: 'ravi.patel@aircall-login.example'
        });
        expect(element.shadowRoot.querySelectorAll('table.agents tbody tr')).toHaveLength(1);
        expect(toasts).toEqual([expect.objectContaining({ variant: 'success', title: 'Agent mapped' })]);
        expect($('lightning-input.salesforce-user').value).toBe('');
        expect($('lightning-input.aircall-email').value).toBe('');
    });

    it('removes a mapping by the user Id with a blank email', async () => {
        const { element, $ } = await mount();
        saveAgent.mockResolvedValue({ agents: [], canEdit: true });
        $('tr[data-user-id="005000000000002AAA"] lightning-button.remove').click();
        await flush();
        expect(saveAgent).toHaveBeenCalledWith({ salesforceUser: '005000000000002AAA', aircallEmail: '' });
        expect(element.shadowRoot.querySelectorAll('table.agents tbody tr')).toHaveLength(0);
    });

    it("shows the org's message and keeps what was typed when a mapping is refused", async () => {
        const { toasts, $ } = await mount({ agents: [], canEdit: true });
        await type($('lightning-input.salesforce-user'), 'nobody@nowhere.example');
        await type($('lightning-input.aircall-email'), 'a@b.example');
        saveAgent.mockRejectedValue({
            body: { message: 'No active Salesforce user has the username or email "nobody@nowhere.example".' }
        });
        $('lightning-button.add').click();
        await flush();
        expect($('.agent-errors').textContent).toContain('No active Salesforce user');
        expect(toasts).toEqual([]);
        expect($('lightning-input.salesforce-user').value).toBe('nobody@nowhere.example');
    });

    it('sends nothing while a field is invalid, and the next click after the fix saves', async () => {
        const { $ } = await mount({ agents: [], canEdit: true });
        await type($('lightning-input.salesforce-user'), 'ravi@acme.example');
        await type($('lightning-input.aircall-email'), 'ravi@');
        $('lightning-input.aircall-email').validity = { valid: false };
        $('lightning-button.add').click();
        await flush();
        expect(saveAgent).not.toHaveBeenCalled();

        await type($('lightning-input.aircall-email'), 'ravi@aircall-login.example');
        $('lightning-input.aircall-email').validity = { valid: true };
        saveAgent.mockResolvedValue({ agents: [RAVI], canEdit: true });
        $('lightning-button.add').click();
        await flush();
        expect(saveAgent).toHaveBeenCalledTimes(1);
    });

    it('without the Aircall_Admin permission set: the list only, no form and no Remove', async () => {
        const { element, $ } = await mount({ agents: [RAVI], canEdit: false });
        expect(element.shadowRoot.querySelectorAll('table.agents tbody tr')).toHaveLength(1);
        expect($('.add-agent')).toBeNull();
        expect($('lightning-button.remove')).toBeNull();
    });

    it('says why the mapping could not be loaded', async () => {
        getAgents.mockRejectedValue({ body: { message: 'No access to User.Aircall_Email__c' } });
        const element = createElement('c-aircall-agent-mapping', { is: AircallAgentMapping });
        document.body.appendChild(element);
        await flush();
        expect(element.shadowRoot.querySelector('.agent-errors').textContent).toContain('User.Aircall_Email__c');
        expect(element.shadowRoot.querySelector('.no-agents')).toBeNull();
    });
});
