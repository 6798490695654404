# Firestore in native mode, the composite indexes the services' queries need and the TTL policies
# of short-lived records. The services declare both in code (AddDocumentStoreRequirements); the
# list is generated from those declarations into firestore_requirements.json, which this file
# reads. Regenerate it after changing a declaration (terraform/tests fails until then):
#   UPDATE_FIRESTORE_REQUIREMENTS=1 dotnet test terraform/tests --filter FullyQualifiedName~FirestoreTests

resource "google_firestore_database" "main" {
  project                           = var.project_id
  name                              = "(default)"
  location_id                       = var.firestore_location
  type                              = "FIRESTORE_NATIVE"
  concurrency_mode                  = "OPTIMISTIC"
  point_in_time_recovery_enablement = "POINT_IN_TIME_RECOVERY_ENABLED"
  delete_protection_state           = "DELETE_PROTECTION_ENABLED"
  deletion_policy                   = "ABANDON"

  depends_on = [google_project_service.apis]
}

locals {
  # indexes: key "collection/field:ASC,field:CONTAINS,field:DESC" -> { collection, fields = [{ field_path, order or array_config }] }
  # ttl_policies: key "collection/field" -> { collection, field }
  firestore_requirements = jsondecode(file("${path.module}/firestore_requirements.json"))
}

# --- Composite indexes, one per declared index, fields in the declared order.

resource "google_firestore_index" "declared" {
  for_each = local.firestore_requirements.indexes

  project     = var.project_id
  database    = google_firestore_database.main.name
  collection  = each.value.collection
  query_scope = "COLLECTION"

  dynamic "fields" {
    for_each = each.value.fields
    content {
      field_path   = fields.value.field_path
      order        = lookup(fields.value, "order", null)
      array_config = lookup(fields.value, "array_config", null)
    }
  }
}

# --- TTL policies: Firestore deletes these documents (within about a day) once the timestamp passes.
# index_config {} exempts the timestamp from single-field indexing (monotonic values hot-spot).

resource "google_firestore_field" "ttl" {
  for_each = local.firestore_requirements.ttl_policies

  project    = var.project_id
  database   = google_firestore_database.main.name
  collection = each.value.collection
  field      = each.value.field

  ttl_config {}
  index_config {}
}
