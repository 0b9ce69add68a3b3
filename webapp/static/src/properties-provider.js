/*
 * The properties panel's policyflow group: what our diagrams need, and nothing typed by hand
 * that can be chosen instead. A lane's role is chosen from the roles; a user task's form from
 * the draft's forms (or a new one), its lifecycle step from the steps; its data key, assignee
 * and instructions are typed. Flows get their condition, timers their expression, script tasks
 * their script, business rule tasks the decision they call.
 */
import { h } from '@bpmn-io/properties-panel/preact';
import { SelectEntry, TextAreaEntry, TextFieldEntry, isSelectEntryEdited, isTextAreaEntryEdited,
  isTextFieldEntryEdited } from '@bpmn-io/properties-panel';
import { useService } from 'bpmn-js-properties-panel';
import { is } from 'bpmn-js/lib/util/ModelUtil';

import { bodyValue, propertyValue, setBodyValue, setPropertyValue } from './extension-properties.js';

const LOW_PRIORITY = 500;

function PropertyEntry(props) {
  const { element, id, name, label, description, options } = props;
  const bpmnFactory = useService('bpmnFactory');
  const commandStack = useService('commandStack');
  const debounce = useService('debounceInput');
  const getValue = () => propertyValue(element, name);
  const setValue = (value) => setPropertyValue(element, name, value, bpmnFactory, commandStack);
  if (options) {
    return h(SelectEntry, { element, id, label, description, getValue, setValue, getOptions: () => options() });
  }
  return h(TextFieldEntry, { element, id, label, description, getValue, setValue, debounce });
}

function BodyEntry(props) {
  const { element, id, type, label, description } = props;
  const bpmnFactory = useService('bpmnFactory');
  const commandStack = useService('commandStack');
  const debounce = useService('debounceInput');
  return h(TextAreaEntry, {
    element, id, label, description, debounce, rows: 5,
    getValue: () => bodyValue(element, type),
    setValue: (value) => setBodyValue(element, type, value, bpmnFactory, commandStack),
  });
}

function LaneRoleEntry(props) {
  const { element, id, roles } = props;
  const modeling = useService('modeling');
  return h(SelectEntry, {
    element, id, label: 'Role of this lane',
    description: 'The people with this role complete the lane\'s tasks.',
    getValue: () => element.businessObject.get('name') || '',
    setValue: (value) => modeling.updateProperties(element, { name: value }),
    getOptions: () => [{ value: '', label: 'Choose a role' }, ...roles.map((role) => ({ value: role, label: role }))],
  });
}

function ConditionEntry(props) {
  const { element, id } = props;
  const bpmnFactory = useService('bpmnFactory');
  const modeling = useService('modeling');
  const debounce = useService('debounceInput');
  return h(TextAreaEntry, {
    element, id, debounce, rows: 2, label: 'Condition (Python expression)',
    description: 'For example: employer_signoff["decision"] == "approved"',
    getValue: () => {
      const condition = element.businessObject.get('conditionExpression');
      return condition ? condition.get('body') || '' : '';
    },
    setValue: (value) => {
      const condition = value ? bpmnFactory.create('bpmn:FormalExpression', { body: value }) : undefined;
      modeling.updateProperties(element, { conditionExpression: condition });
    },
  });
}

function timerDefinition(element) {
  const definitions = element.businessObject.get('eventDefinitions') || [];
  return definitions.find((definition) => is(definition, 'bpmn:TimerEventDefinition'));
}

function timerKind(definition) {
  return ['timeDate', 'timeDuration', 'timeCycle'].find((kind) => definition.get(kind)) || 'timeDuration';
}

function TimerEntry(props) {
  const { element, id } = props;
  const bpmnFactory = useService('bpmnFactory');
  const modeling = useService('modeling');
  const debounce = useService('debounceInput');
  const definition = timerDefinition(element);
  return h(TextAreaEntry, {
    element, id, debounce, rows: 2, label: 'Timer (Python expression)',
    description: 'A date variable (review_due_at) for a date, or a quoted duration ("P30D") for a wait.',
    getValue: () => {
      const expression = definition.get(timerKind(definition));
      return expression ? expression.get('body') || '' : '';
    },
    setValue: (value) => {
      const kind = timerKind(definition);
      const expression = bpmnFactory.create('bpmn:FormalExpression', { body: value });
      modeling.updateModdleProperties(element, definition, { [kind]: expression });
    },
  });
}

function ScriptEntry(props) {
  const { element, id } = props;
  const modeling = useService('modeling');
  const debounce = useService('debounceInput');
  return h(TextAreaEntry, {
    element, id, debounce, rows: 6, label: 'Script (Python)',
    getValue: () => element.businessObject.get('script') || '',
    setValue: (value) => modeling.updateProperties(element, { script: value, scriptFormat: 'python' }),
  });
}

export default function PolicyflowPropertiesProvider(propertiesPanel, config) {
  const options = config || {};

  this.getGroups = function getGroups(element) {
    return function addGroups(groups) {
      const entries = [];
      const roles = options.roles || [];
      const steps = options.steps || [];
      const forms = () => [{ value: '', label: 'No form' }, ...(options.forms ? options.forms() : [])
        .map((name) => ({ value: name, label: name }))];
      if (is(element, 'bpmn:Lane')) {
        entries.push({ id: 'pf-lane-role', component: LaneRoleEntry, isEdited: isSelectEntryEdited, element, roles });
      }
      if (is(element, 'bpmn:UserTask')) {
        entries.push(
          { id: 'pf-form', component: PropertyEntry, isEdited: isSelectEntryEdited, element,
            name: 'formJsonSchemaFilename', label: 'Form', description: 'The form people answer (edit it below the diagram).',
            options: forms },
          { id: 'pf-step', component: PropertyEntry, isEdited: isSelectEntryEdited, element, name: 'lifecycleStep',
            label: 'Lifecycle step', options: () => [{ value: '', label: 'None (an extra step)' },
              ...steps.map((step) => ({ value: step, label: step }))] },
          { id: 'pf-data-key', component: PropertyEntry, isEdited: isTextFieldEntryEdited, element, name: 'dataKey',
            label: 'Data key', description: 'The variable its answers are saved under.' },
          { id: 'pf-assignee', component: PropertyEntry, isEdited: isTextFieldEntryEdited, element, name: 'assignee',
            label: 'Assignee variable', description: 'For per-person tasks: the variable holding the username.' },
          { id: 'pf-instructions', component: BodyEntry, isEdited: isTextAreaEntryEdited, element,
            type: 'spiffworkflow:InstructionsForEndUser', label: 'Instructions',
            description: 'Shown above the form; {{ variable }} inserts a value.' },
        );
      }
      if (is(element, 'bpmn:SequenceFlow') && element.businessObject.sourceRef &&
          /Gateway$/.test(element.businessObject.sourceRef.$type)) {
        entries.push({ id: 'pf-condition', component: ConditionEntry, isEdited: isTextAreaEntryEdited, element });
      }
      if (is(element, 'bpmn:Event') && timerDefinition(element)) {
        entries.push({ id: 'pf-timer', component: TimerEntry, isEdited: isTextAreaEntryEdited, element });
      }
      if (is(element, 'bpmn:ScriptTask')) {
        entries.push({ id: 'pf-script', component: ScriptEntry, isEdited: isTextAreaEntryEdited, element });
      }
      if (is(element, 'bpmn:BusinessRuleTask')) {
        entries.push({ id: 'pf-decision', component: BodyEntry, isEdited: isTextAreaEntryEdited, element,
          type: 'spiffworkflow:CalledDecisionId', label: 'Decision called (its id in the DMN file)' });
      }
      if (entries.length) {
        groups.splice(1, 0, { id: 'policyflow', label: 'policyflow', entries });
      }
      return groups;
    };
  };
  propertiesPanel.registerProvider(LOW_PRIORITY, this);
}

PolicyflowPropertiesProvider.$inject = ['propertiesPanel', 'config.policyflow'];
