"""Resource import: a change set of type IMPORT brings existing resources under a stack.

moto has no IMPORT change sets (it treats one as CREATE and would create new resources beside
the old). This follows the user guide ("Import AWS resources into a CloudFormation stack") and
the CreateChangeSet reference:

- "ResourcesToImport: The resources to import into your stack"; each names its ResourceType,
  LogicalResourceId and ResourceIdentifier (the type's identifier property and value);
- "Each resource to import must have a DeletionPolicy attribute in your template";
- "The required properties are specified in the template" ("Resource import validation"): the
  schema's `required` list; and the identifier's key "is an identifier property" (its
  `primaryIdentifier`). The guide is silent on whether the template's own value of that
  property must equal the identifier's (it says only "CloudFormation doesn't check that the
  template configuration matches the actual configuration"); the stricter reading is kept
  where the emulator can tell: a literal value that differs fails the change set;
- "You can't ... add, modify, or delete other resources during an import": the template holds
  exactly the stack's current resources (none for a new stack) plus those imported;
- a resource that does not exist, or that already belongs to a stack, cannot be imported: the
  change set ends FAILED with the reason (AWS's wording of these reasons is not documented);
- executing the change set takes the stack through IMPORT_IN_PROGRESS to IMPORT_COMPLETE and
  the imported resources become the stack's resources, their data untouched.

The emulator imports the types the platform retains: DynamoDB tables, S3 buckets, log groups,
KMS keys and Route 53 hosted zones (AWS::Route53::HostedZone supports import, identified by
`Id`: "Resource type support" table of the import guide, and the type's schema names `/properties/Id`
its primary identifier). Another type is refused with ValidationError (AWS supports many more).
"""

from __future__ import annotations

from typing import Any

from moto.cloudformation.exceptions import ValidationError
from moto.cloudformation.models import Change, CloudFormationBackend, Stack
from moto.cloudformation.responses import CloudFormationResponse
from moto.core.responses import ActionResult

from scripts.aws.resource_schemas import identifier_properties, required_properties
from scripts.emulator import template_rules

RETAINING = ("Retain", "RetainExceptOnCreate", "Snapshot", "Delete")
# The types `find` can look up, each by its schema's primary identifier.
IDENTIFIERS = {kind: identifier_properties(kind)[0] for kind in (
    "AWS::DynamoDB::Table", "AWS::S3::Bucket", "AWS::Logs::LogGroup", "AWS::KMS::Key",
    "AWS::Route53::HostedZone")}


def apply() -> None:
    original_create = CloudFormationResponse.create_change_set
    original_execute = CloudFormationBackend.execute_change_set

    def create_change_set(self: CloudFormationResponse) -> ActionResult:
        if self._get_param("ChangeSetType") != "IMPORT":
            return original_create(self)
        return _create_import(self)

    def execute_change_set(self: CloudFormationBackend, change_set_name: str,
                           stack_name: str | None = None) -> None:
        change_set = self.describe_change_set(change_set_name)
        if getattr(change_set, "imports", None) is None:
            return original_execute(self, change_set_name, stack_name)
        return _execute_import(self, change_set)

    CloudFormationResponse.create_change_set = create_change_set
    CloudFormationBackend.execute_change_set = execute_change_set


def find(account: str, region: str, kind: str, identifier: str) -> Any:
    """The service's model of an existing resource, or None."""
    if kind == "AWS::DynamoDB::Table":
        from moto.dynamodb.models import dynamodb_backends

        return dynamodb_backends[account][region].tables.get(identifier)
    if kind == "AWS::S3::Bucket":
        from moto.s3.models import s3_backends

        return s3_backends[account]["aws"].buckets.get(identifier)
    if kind == "AWS::Logs::LogGroup":
        from moto.logs.models import logs_backends

        return logs_backends[account][region].groups.get(identifier)
    if kind == "AWS::KMS::Key":
        from moto.kms.models import kms_backends

        key = kms_backends[account][region].keys.get(identifier.rsplit("/", 1)[-1])
        return key if key is not None and key.key_state != "PendingDeletion" else None
    if kind == "AWS::Route53::HostedZone":
        from moto.route53.models import route53_backends

        return route53_backends[account]["global"].zones.get(identifier.rsplit("/", 1)[-1])
    raise ValidationError(message=f"ResourceType {kind} is not supported for import by the "
                                  "emulator (it imports " + ", ".join(IDENTIFIERS) + ")")


def _owner(backend: CloudFormationBackend, resource: Any) -> Stack | None:
    for stack in backend.stacks.values():
        if any(r is resource for r in stack.resource_map._parsed_resources.values()):
            return stack
    return None


def _requested(self: CloudFormationResponse) -> dict[str, tuple[str, str]]:
    """{logical id: (type, identifier value)} from ResourcesToImport."""
    given = self._get_params().get("ResourcesToImport") or []
    if not given:
        raise ValidationError(message="ResourcesToImport is required for a change set of type "
                                      "IMPORT")
    wanted: dict[str, tuple[str, str]] = {}
    for item in given:
        kind, logical_id = item.get("ResourceType"), item.get("LogicalResourceId")
        identifier = item.get("ResourceIdentifier") or {}
        key = IDENTIFIERS.get(kind or "")
        if key is None:
            find("", "", kind or "", "")  # raises: type not supported
        if key not in identifier:
            raise ValidationError(message=f"ResourceIdentifier of {logical_id} must give {key}")
        strangers = sorted(set(identifier) - set(identifier_properties(str(kind))))
        if strangers:  # "The key is an identifier property" (ResourceToImport)
            raise ValidationError(message=f"ResourceIdentifier of {logical_id} names "
                                          f"{', '.join(strangers)}, not an identifier property "
                                          f"of {kind}")
        wanted[str(logical_id)] = (str(kind), str(identifier[key]))
    return wanted


def _template(self: CloudFormationResponse) -> str:
    if self._get_param("TemplateURL"):
        return self._get_stack_from_s3_url(self._get_param("TemplateURL"))
    body = self._get_param("TemplateBody")
    if not body:
        raise ValidationError(message="Either Template URL or Template Body must be specified.")
    return body


def _check_template(template: dict[str, Any], existing: set[str],
                    wanted: dict[str, tuple[str, str]]) -> None:
    resources = template.get("Resources") or {}
    for logical_id, (kind, identifier) in wanted.items():
        spec = resources.get(logical_id)
        if spec is None:
            raise ValidationError(message=f"Resource {logical_id} to import is not in the "
                                          "template")
        if spec.get("Type") != kind:
            raise ValidationError(message=f"Resource {logical_id} is {spec.get('Type')} in the "
                                          f"template, not {kind}")
        absent = [p for p in required_properties(kind) if p not in (spec.get("Properties") or {})]
        if absent:
            raise ValidationError(message=f"Resource {logical_id} to import lacks the required "
                                          f"properties {', '.join(absent)} of {kind}")
        named = (spec.get("Properties") or {}).get(IDENTIFIERS[kind])
        if isinstance(named, str) and named != identifier:
            raise ValidationError(message=f"Resource {logical_id} has {IDENTIFIERS[kind]} "
                                          f"{named} in the template, not {identifier}")
        if spec.get("DeletionPolicy") not in RETAINING:
            raise ValidationError(message=f"Resource {logical_id} to import must have a "
                                          "DeletionPolicy attribute in the template")
    others = set(resources) - set(wanted) - existing
    missing = existing - set(resources)
    if others or missing:
        raise ValidationError(message="You can't add, modify, or delete other resources during "
                                      f"an import: {sorted(others | missing)}")


def _create_import(self: CloudFormationResponse) -> ActionResult:
    body = _template(self)
    template_rules.require_capabilities(self, body)
    backend = self.cloudformation_backend
    name = self._get_param("StackName")
    wanted = _requested(self)
    template = Stack.parse_template(body)
    existing_stack = next((s for s in backend.stacks.values()
                           if name in (s.name, s.stack_id)), None)
    existing = {r.logical_resource_id for r in existing_stack.stack_resources} \
        if existing_stack is not None else set()
    _check_template(template, existing, wanted)
    parameters = {p["ParameterKey"]: p.get("ParameterValue", "")
                  for p in self._get_param("Parameters", [])}
    tags = {t["Key"]: t["Value"] for t in self._get_param("Tags", [])}
    change_set_id, stack_id = backend.create_change_set(
        stack_name=existing_stack.name if existing_stack else name,
        change_set_name=self._get_param("ChangeSetName"), template=body, parameters=parameters,
        description=self._get_param("Description"),
        notification_arns=self._get_param("NotificationARNs", []), tags=tags,
        role_arn=self._get_param("RoleARN"),
        change_set_type="UPDATE" if existing_stack else "CREATE")
    change_set = backend.change_sets[change_set_id]
    change_set.change_set_type = "IMPORT"
    change_set.imports = wanted
    change_set.changes = [Change("Import", lid, kind) for lid, (kind, _) in wanted.items()]
    change_set.status, change_set.execution_status = "CREATE_COMPLETE", "AVAILABLE"
    change_set.status_reason = None
    problems = []
    for logical_id, (kind, identifier) in wanted.items():
        resource = find(backend.account_id, backend.region_name, kind, identifier)
        owner = _owner(backend, resource) if resource is not None else None
        if resource is None:
            problems.append(f"{logical_id} ({kind} {identifier}) does not exist")
        elif owner is not None:
            problems.append(f"{logical_id} ({kind} {identifier}) already belongs to stack "
                            f"{owner.stack_id}")
    if problems:
        change_set.status, change_set.execution_status = "FAILED", "UNAVAILABLE"
        change_set.status_reason = "Resources cannot be imported: " + "; ".join(problems)
    return ActionResult({"Id": change_set_id, "StackId": stack_id})


def _execute_import(backend: CloudFormationBackend, change_set: Any) -> None:
    if change_set.execution_status != "AVAILABLE":
        raise ValidationError(message=f"ChangeSet [{change_set.change_set_id}] cannot be executed "
                                      f"in its current status of [{change_set.status}]")
    stack = backend.stacks[change_set.stack_id]
    stack._add_stack_event("IMPORT_IN_PROGRESS", resource_status_reason="User Initiated")
    stack.status = "IMPORT_IN_PROGRESS"
    template = change_set.template_dict
    resource_map = stack.resource_map
    # A stack that a change set created reads the account's exports like any other (Fn::ImportValue
    # in a later update); moto gives such a stack none.
    stack.cross_stack_resources = resource_map.cross_stack_resources = backend.exports
    resource_map._template = template
    resource_map._resource_json_map = template["Resources"]
    if change_set.parameters:
        resource_map.input_parameters = change_set.parameters
    resource_map.load()
    for logical_id, (kind, identifier) in change_set.imports.items():
        resource = find(backend.account_id, backend.region_name, kind, identifier)
        resource.logical_resource_id = logical_id
        resource.cf_resource_type = kind
        resource_map._parsed_resources[logical_id] = resource
    stack.template = change_set.template
    stack.template_dict = template
    stack.parameters = change_set.parameters or stack.parameters
    stack.description = template.get("Description")
    stack.output_map = stack._create_output_map()
    for export in stack.exports:
        backend.exports[export.name] = export
    change_set.execution_status = "EXECUTE_COMPLETE"
    stack.status = "IMPORT_COMPLETE"
    stack._add_stack_event("IMPORT_COMPLETE")
