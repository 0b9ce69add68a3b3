/*
 * Reading and writing our spiffworkflow: extension elements on a BPMN element, as undoable
 * modeling commands (so the properties panel, undo/redo and autosave all see them).
 */

export function extensionOf(businessObject, type) {
  const extensions = businessObject.get('extensionElements');
  if (!extensions) {
    return null;
  }
  return (extensions.get('values') || []).find((value) => value.$instanceOf(type)) || null;
}

export function propertyValue(element, name) {
  const holder = extensionOf(element.businessObject, 'spiffworkflow:Properties');
  const found = holder && (holder.get('properties') || []).find((p) => p.get('name') === name);
  return found ? found.get('value') || '' : '';
}

function ensureExtensions(element, bpmnFactory, commandStack) {
  const businessObject = element.businessObject;
  let extensions = businessObject.get('extensionElements');
  if (!extensions) {
    extensions = bpmnFactory.create('bpmn:ExtensionElements', { values: [] });
    extensions.$parent = businessObject;
    commandStack.execute('element.updateModdleProperties', {
      element, moddleElement: businessObject, properties: { extensionElements: extensions },
    });
  }
  return extensions;
}

function ensureExtension(element, type, bpmnFactory, commandStack, attrs) {
  const extensions = ensureExtensions(element, bpmnFactory, commandStack);
  let found = (extensions.get('values') || []).find((value) => value.$instanceOf(type));
  if (!found) {
    found = bpmnFactory.create(type, attrs || {});
    found.$parent = extensions;
    commandStack.execute('element.updateModdleProperties', {
      element, moddleElement: extensions, properties: { values: [...extensions.get('values'), found] },
    });
  }
  return found;
}

export function setPropertyValue(element, name, value, bpmnFactory, commandStack) {
  const holder = ensureExtension(element, 'spiffworkflow:Properties', bpmnFactory, commandStack, { properties: [] });
  const list = holder.get('properties') || [];
  const found = list.find((p) => p.get('name') === name);
  if (!value) {
    if (found) {
      commandStack.execute('element.updateModdleProperties', {
        element, moddleElement: holder, properties: { properties: list.filter((p) => p !== found) },
      });
    }
    return;
  }
  if (found) {
    commandStack.execute('element.updateModdleProperties', { element, moddleElement: found, properties: { value } });
    return;
  }
  const created = bpmnFactory.create('spiffworkflow:Property', { name, value });
  created.$parent = holder;
  commandStack.execute('element.updateModdleProperties', {
    element, moddleElement: holder, properties: { properties: [...list, created] },
  });
}

export function bodyValue(element, type) {
  const found = extensionOf(element.businessObject, type);
  return found ? found.get('value') || '' : '';
}

export function setBodyValue(element, type, value, bpmnFactory, commandStack) {
  const found = ensureExtension(element, type, bpmnFactory, commandStack, {});
  commandStack.execute('element.updateModdleProperties', { element, moddleElement: found, properties: { value } });
}
