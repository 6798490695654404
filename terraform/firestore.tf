# Firestore in native mode, the composite indexes the services' queries need and the TTL policies
# of short-lived records. The services declare both in code (AddDocumentStoreRequirements);
# terraform/tests fails naming any declared index or TTL policy missing here.

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

# --- Composite indexes.

# BFF ProjectService.ListAsync: the owner's active projects, most recently used first.
resource "google_firestore_index" "projects_owner_state_activity" {
  project     = var.project_id
  database    = google_firestore_database.main.name
  collection  = "projects"
  query_scope = "COLLECTION"

  fields {
    field_path = "ownerUid"
    order      = "ASCENDING"
  }
  fields {
    field_path = "state"
    order      = "ASCENDING"
  }
  fields {
    field_path = "lastActivityAt"
    order      = "DESCENDING"
  }
}

# BFF home screen: the owner's most recent builds.
resource "google_firestore_index" "builds_owner_updated" {
  project     = var.project_id
  database    = google_firestore_database.main.name
  collection  = "builds"
  query_scope = "COLLECTION"

  fields {
    field_path = "ownerUid"
    order      = "ASCENDING"
  }
  fields {
    field_path = "updatedAt"
    order      = "DESCENDING"
  }
}

resource "google_firestore_index" "builds_owner_project_created" {
  project     = var.project_id
  database    = google_firestore_database.main.name
  collection  = "builds"
  query_scope = "COLLECTION"

  fields {
    field_path = "ownerUid"
    order      = "ASCENDING"
  }
  fields {
    field_path = "projectId"
    order      = "ASCENDING"
  }
  fields {
    field_path = "createdAt"
    order      = "DESCENDING"
  }
}

resource "google_firestore_index" "builds_owner_project_state_created" {
  project     = var.project_id
  database    = google_firestore_database.main.name
  collection  = "builds"
  query_scope = "COLLECTION"

  fields {
    field_path = "ownerUid"
    order      = "ASCENDING"
  }
  fields {
    field_path = "projectId"
    order      = "ASCENDING"
  }
  fields {
    field_path = "state"
    order      = "ASCENDING"
  }
  fields {
    field_path = "createdAt"
    order      = "DESCENDING"
  }
}

# --- TTL policies: Firestore deletes these documents (within about a day) once the timestamp passes.
# index_config {} exempts the timestamp from single-field indexing (monotonic values hot-spot).

resource "google_firestore_field" "idempotency_keys_ttl" {
  project    = var.project_id
  database   = google_firestore_database.main.name
  collection = "idempotency_keys"
  field      = "expiresAt"

  ttl_config {}
  index_config {}
}

resource "google_firestore_field" "credential_downloads_ttl" {
  project    = var.project_id
  database   = google_firestore_database.main.name
  collection = "credential_downloads"
  field      = "expiresAt"

  ttl_config {}
  index_config {}
}

resource "google_firestore_field" "github_webhook_deliveries_ttl" {
  project    = var.project_id
  database   = google_firestore_database.main.name
  collection = "github_webhook_deliveries"
  field      = "expiresAt"

  ttl_config {}
  index_config {}
}

resource "google_firestore_field" "notifications_ttl" {
  project    = var.project_id
  database   = google_firestore_database.main.name
  collection = "notifications"
  field      = "expiresAt"

  ttl_config {}
  index_config {}
}
