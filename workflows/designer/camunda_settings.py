"""Other engines' settings on an element: which we read, which mean nothing here, and which are only layout.

Camunda 7 (``camunda:``), Camunda 8 (``zeebe:``), Activiti and Flowable settings are
engine settings. Of them we read who does a task (``candidateGroups``, ``assignee``,
``zeebe:assignmentDefinition``: they suggest the lane's role), its form (``formKey``,
``formRef``, ``zeebe:formDefinition``: a Camunda Form uploaded beside the diagram
becomes its form) and ``zeebe:userTask`` (it is a user task). Modelers' layout and
metadata (Signavio, Bizagi, Trisotech, the DI's colours, Camunda Modeler's own
``modeler:`` marks) are never engine settings, and are never reported as such.
"""
from __future__ import annotations

from lxml import etree

ENGINE_NAMESPACES = ("http://camunda.org/schema/1.0/bpmn", "http://camunda.org/schema/zeebe/1.0",
                     "http://activiti.org/bpmn", "http://flowable.org/bpmn", "http://www.jboss.org/drools")
READ = {"candidateGroups", "candidateUsers", "assignee", "formKey", "formRef", "assignmentDefinition",
        "formDefinition", "userTask", "userTaskForm", "decisionRef", "calledDecision"}
ROLE_WORDS = (("patient_liaison", ("liaison", "patient")), ("insurer", ("insurer", "insurance", "underwrit")),
              ("employer", ("employer", "risk")), ("manager", ("manager", "management", "head", "lead", "approv")),
              ("staff", ("staff", "sonographer", "radiographer", "employee", "clinician", "team", "worker")))


def engine_namespace(name) -> bool:
    return isinstance(name, str) and name.startswith("{") and name[1:].split("}")[0] in ENGINE_NAMESPACES


def _local(name: str) -> str:
    return name.split("}")[-1]


def engine_settings(node) -> dict[str, str]:
    """The element's engine settings by local name: its attributes and its extension elements' attributes."""
    found = {_local(key): value for key, value in node.attrib.items() if engine_namespace(key)}
    extensions = next((child for child in node if isinstance(child.tag, str)
                       and etree.QName(child).localname == "extensionElements"), None)
    if extensions is not None:
        for child in extensions.iter():
            if engine_namespace(child.tag):
                found.setdefault(_local(child.tag), (child.text or "").strip())
                for key, value in child.attrib.items():
                    found.setdefault(f"{_local(child.tag)}.{key}", value)
    return found


def unread_settings(node) -> list[str]:
    """Engine settings on the element that do nothing here (named for the designer)."""
    names = []
    for key in engine_settings(node):
        base = key.split(".")[0]
        if base not in READ and base not in names:
            names.append(base)
    return names


def who(node) -> list[str]:
    """What another engine says about who does the task: groups first, then people."""
    settings = engine_settings(node)
    values = [settings.get(key, "") for key in ("candidateGroups", "assignmentDefinition.candidateGroups",
                                                 "assignee", "assignmentDefinition.assignee", "candidateUsers")]
    return [value.strip("= ") for value in values if value]


def suggested_role(*texts: str) -> str | None:
    """The role those words point at (``approvers`` → manager), if any does."""
    for text in texts:
        lowered = (text or "").lower()
        for role, words in ROLE_WORDS:
            if any(word in lowered for word in words):
                return role
    return None


def form_reference(node) -> str | None:
    """The Camunda Form a task names: a form id, or a form file's stem."""
    settings = engine_settings(node)
    for key in ("formDefinition.formId", "formRef", "formDefinition.formKey", "formKey"):
        value = settings.get(key)
        if value:
            last = value.rsplit(":", 1)[-1]
            return last.removesuffix(".form").removesuffix(".json")
    return None


def is_user_task(node) -> bool:
    return "userTask" in engine_settings(node)
