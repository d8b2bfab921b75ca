"""The CloudFormation API's error codes; the HTTP status comes from botocore's service model
(moto serialises a ServiceException by its code)."""

from __future__ import annotations

from moto.core.exceptions import ServiceException


class ValidationError(ServiceException):
    code = "ValidationError"


class StackSetNotFound(ServiceException):
    code = "StackSetNotFoundException"

    def __init__(self, name: str) -> None:
        super().__init__(f"StackSet {name} not found")


class StackInstanceNotFound(ServiceException):
    code = "StackInstanceNotFoundException"


class StackSetNotEmpty(ServiceException):
    code = "StackSetNotEmptyException"
    message = ("You can't yet delete this StackSet, because it still contains one or more "
               "stack instances. Delete all stack instances from the StackSet before deleting "
               "the StackSet.")


class NameAlreadyExists(ServiceException):
    code = "NameAlreadyExistsException"


class OperationInProgress(ServiceException):
    code = "OperationInProgressException"


class OperationIdAlreadyExists(ServiceException):
    code = "OperationIdAlreadyExistsException"


class OperationNotFound(ServiceException):
    code = "OperationNotFoundException"


class InvalidOperation(ServiceException):
    code = "InvalidOperationException"


class InsufficientCapabilities(ServiceException):
    code = "InsufficientCapabilitiesException"


class StackNotFound(ServiceException):
    code = "StackNotFoundException"


class LimitExceeded(ServiceException):
    code = "LimitExceededException"
