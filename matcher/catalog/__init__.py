"""The catalog: organizations, demands, programs, courses and students, validated and written.

Field types with the rules the OpenAPI document states (``fields``), input models (what a
person may send), the one output shape of each record, the writes that
keep stored vectors in step (the index is told through the ``after_write`` hook), and imports
from files. It uses the language layer and knows nothing of search or gaps.
"""

from matcher.catalog.checks import (
    constraint_conflicts,
    parse_input,
    parse_input_model,
    validation_errors,
)
from matcher.catalog.fields import (
    FIRST_YEAR,
    MAX_ID,
    NOT_AFTER_TODAY,
    Id,
    OptionalInt,
    OptionalName,
    at_most,
    http_url,
    integral,
    url_schema,
)
from matcher.catalog.importing import import_file
from matcher.catalog.records import ENTITIES, SINGULAR, iso
from matcher.catalog.references import Resolver
from matcher.catalog.schemas import (
    INPUT_MODELS,
    CourseIn,
    DemandIn,
    InputModel,
    OrganizationIn,
    ProgramIn,
    StudentIn,
    by_id_or_name,
)
from matcher.catalog.writes import Catalog, Touched

__all__ = [
    "ENTITIES",
    "FIRST_YEAR",
    "INPUT_MODELS",
    "MAX_ID",
    "NOT_AFTER_TODAY",
    "SINGULAR",
    "Catalog",
    "CourseIn",
    "DemandIn",
    "Id",
    "InputModel",
    "OptionalInt",
    "OptionalName",
    "OrganizationIn",
    "ProgramIn",
    "Resolver",
    "StudentIn",
    "Touched",
    "at_most",
    "by_id_or_name",
    "constraint_conflicts",
    "http_url",
    "import_file",
    "integral",
    "iso",
    "parse_input",
    "parse_input_model",
    "url_schema",
    "validation_errors",
]
