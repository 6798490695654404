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

# --- Marketplace: search (one query per page; see docs/architecture.md "Marketplace search on Firestore"),
# reviews and reports. Declared in services/marketplace-service; terraform/tests checks each exists.

resource "google_firestore_index" "marketplace_assets_listed_score" {
  project     = var.project_id
  database    = google_firestore_database.main.name
  collection  = "marketplace_assets"
  query_scope = "COLLECTION"
  fields {
    field_path = "listed"
    order      = "ASCENDING"
  }
  fields {
    field_path = "score"
    order      = "DESCENDING"
  }
}

resource "google_firestore_index" "marketplace_assets_listed_downloads" {
  project     = var.project_id
  database    = google_firestore_database.main.name
  collection  = "marketplace_assets"
  query_scope = "COLLECTION"
  fields {
    field_path = "listed"
    order      = "ASCENDING"
  }
  fields {
    field_path = "downloads"
    order      = "DESCENDING"
  }
}

resource "google_firestore_index" "marketplace_assets_listed_averageRating" {
  project     = var.project_id
  database    = google_firestore_database.main.name
  collection  = "marketplace_assets"
  query_scope = "COLLECTION"
  fields {
    field_path = "listed"
    order      = "ASCENDING"
  }
  fields {
    field_path = "averageRating"
    order      = "DESCENDING"
  }
}

resource "google_firestore_index" "marketplace_assets_listed_publishedAt" {
  project     = var.project_id
  database    = google_firestore_database.main.name
  collection  = "marketplace_assets"
  query_scope = "COLLECTION"
  fields {
    field_path = "listed"
    order      = "ASCENDING"
  }
  fields {
    field_path = "publishedAt"
    order      = "DESCENDING"
  }
}

resource "google_firestore_index" "marketplace_assets_listed_searchTokens_score" {
  project     = var.project_id
  database    = google_firestore_database.main.name
  collection  = "marketplace_assets"
  query_scope = "COLLECTION"
  fields {
    field_path = "listed"
    order      = "ASCENDING"
  }
  fields {
    field_path = "searchTokens"
    array_config = "CONTAINS"
  }
  fields {
    field_path = "score"
    order      = "DESCENDING"
  }
}

resource "google_firestore_index" "marketplace_assets_listed_searchTokens_downloads" {
  project     = var.project_id
  database    = google_firestore_database.main.name
  collection  = "marketplace_assets"
  query_scope = "COLLECTION"
  fields {
    field_path = "listed"
    order      = "ASCENDING"
  }
  fields {
    field_path = "searchTokens"
    array_config = "CONTAINS"
  }
  fields {
    field_path = "downloads"
    order      = "DESCENDING"
  }
}

resource "google_firestore_index" "marketplace_assets_listed_searchTokens_averageRating" {
  project     = var.project_id
  database    = google_firestore_database.main.name
  collection  = "marketplace_assets"
  query_scope = "COLLECTION"
  fields {
    field_path = "listed"
    order      = "ASCENDING"
  }
  fields {
    field_path = "searchTokens"
    array_config = "CONTAINS"
  }
  fields {
    field_path = "averageRating"
    order      = "DESCENDING"
  }
}

resource "google_firestore_index" "marketplace_assets_listed_searchTokens_publishedAt" {
  project     = var.project_id
  database    = google_firestore_database.main.name
  collection  = "marketplace_assets"
  query_scope = "COLLECTION"
  fields {
    field_path = "listed"
    order      = "ASCENDING"
  }
  fields {
    field_path = "searchTokens"
    array_config = "CONTAINS"
  }
  fields {
    field_path = "publishedAt"
    order      = "DESCENDING"
  }
}

resource "google_firestore_index" "marketplace_assets_kind_listed_score" {
  project     = var.project_id
  database    = google_firestore_database.main.name
  collection  = "marketplace_assets"
  query_scope = "COLLECTION"
  fields {
    field_path = "kind"
    order      = "ASCENDING"
  }
  fields {
    field_path = "listed"
    order      = "ASCENDING"
  }
  fields {
    field_path = "score"
    order      = "DESCENDING"
  }
}

resource "google_firestore_index" "marketplace_assets_kind_listed_downloads" {
  project     = var.project_id
  database    = google_firestore_database.main.name
  collection  = "marketplace_assets"
  query_scope = "COLLECTION"
  fields {
    field_path = "kind"
    order      = "ASCENDING"
  }
  fields {
    field_path = "listed"
    order      = "ASCENDING"
  }
  fields {
    field_path = "downloads"
    order      = "DESCENDING"
  }
}

resource "google_firestore_index" "marketplace_assets_kind_listed_averageRating" {
  project     = var.project_id
  database    = google_firestore_database.main.name
  collection  = "marketplace_assets"
  query_scope = "COLLECTION"
  fields {
    field_path = "kind"
    order      = "ASCENDING"
  }
  fields {
    field_path = "listed"
    order      = "ASCENDING"
  }
  fields {
    field_path = "averageRating"
    order      = "DESCENDING"
  }
}

resource "google_firestore_index" "marketplace_assets_kind_listed_publishedAt" {
  project     = var.project_id
  database    = google_firestore_database.main.name
  collection  = "marketplace_assets"
  query_scope = "COLLECTION"
  fields {
    field_path = "kind"
    order      = "ASCENDING"
  }
  fields {
    field_path = "listed"
    order      = "ASCENDING"
  }
  fields {
    field_path = "publishedAt"
    order      = "DESCENDING"
  }
}

resource "google_firestore_index" "marketplace_assets_kind_listed_searchTokens_score" {
  project     = var.project_id
  database    = google_firestore_database.main.name
  collection  = "marketplace_assets"
  query_scope = "COLLECTION"
  fields {
    field_path = "kind"
    order      = "ASCENDING"
  }
  fields {
    field_path = "listed"
    order      = "ASCENDING"
  }
  fields {
    field_path = "searchTokens"
    array_config = "CONTAINS"
  }
  fields {
    field_path = "score"
    order      = "DESCENDING"
  }
}

resource "google_firestore_index" "marketplace_assets_kind_listed_searchTokens_downloads" {
  project     = var.project_id
  database    = google_firestore_database.main.name
  collection  = "marketplace_assets"
  query_scope = "COLLECTION"
  fields {
    field_path = "kind"
    order      = "ASCENDING"
  }
  fields {
    field_path = "listed"
    order      = "ASCENDING"
  }
  fields {
    field_path = "searchTokens"
    array_config = "CONTAINS"
  }
  fields {
    field_path = "downloads"
    order      = "DESCENDING"
  }
}

resource "google_firestore_index" "marketplace_assets_kind_listed_searchTokens_averageRating" {
  project     = var.project_id
  database    = google_firestore_database.main.name
  collection  = "marketplace_assets"
  query_scope = "COLLECTION"
  fields {
    field_path = "kind"
    order      = "ASCENDING"
  }
  fields {
    field_path = "listed"
    order      = "ASCENDING"
  }
  fields {
    field_path = "searchTokens"
    array_config = "CONTAINS"
  }
  fields {
    field_path = "averageRating"
    order      = "DESCENDING"
  }
}

resource "google_firestore_index" "marketplace_assets_kind_listed_searchTokens_publishedAt" {
  project     = var.project_id
  database    = google_firestore_database.main.name
  collection  = "marketplace_assets"
  query_scope = "COLLECTION"
  fields {
    field_path = "kind"
    order      = "ASCENDING"
  }
  fields {
    field_path = "listed"
    order      = "ASCENDING"
  }
  fields {
    field_path = "searchTokens"
    array_config = "CONTAINS"
  }
  fields {
    field_path = "publishedAt"
    order      = "DESCENDING"
  }
}

resource "google_firestore_index" "marketplace_assets_authorUid_listed_score" {
  project     = var.project_id
  database    = google_firestore_database.main.name
  collection  = "marketplace_assets"
  query_scope = "COLLECTION"
  fields {
    field_path = "authorUid"
    order      = "ASCENDING"
  }
  fields {
    field_path = "listed"
    order      = "ASCENDING"
  }
  fields {
    field_path = "score"
    order      = "DESCENDING"
  }
}

resource "google_firestore_index" "marketplace_assets_authorUid_listed_downloads" {
  project     = var.project_id
  database    = google_firestore_database.main.name
  collection  = "marketplace_assets"
  query_scope = "COLLECTION"
  fields {
    field_path = "authorUid"
    order      = "ASCENDING"
  }
  fields {
    field_path = "listed"
    order      = "ASCENDING"
  }
  fields {
    field_path = "downloads"
    order      = "DESCENDING"
  }
}

resource "google_firestore_index" "marketplace_assets_authorUid_listed_averageRating" {
  project     = var.project_id
  database    = google_firestore_database.main.name
  collection  = "marketplace_assets"
  query_scope = "COLLECTION"
  fields {
    field_path = "authorUid"
    order      = "ASCENDING"
  }
  fields {
    field_path = "listed"
    order      = "ASCENDING"
  }
  fields {
    field_path = "averageRating"
    order      = "DESCENDING"
  }
}

resource "google_firestore_index" "marketplace_assets_authorUid_listed_publishedAt" {
  project     = var.project_id
  database    = google_firestore_database.main.name
  collection  = "marketplace_assets"
  query_scope = "COLLECTION"
  fields {
    field_path = "authorUid"
    order      = "ASCENDING"
  }
  fields {
    field_path = "listed"
    order      = "ASCENDING"
  }
  fields {
    field_path = "publishedAt"
    order      = "DESCENDING"
  }
}

resource "google_firestore_index" "marketplace_assets_authorUid_listed_searchTokens_score" {
  project     = var.project_id
  database    = google_firestore_database.main.name
  collection  = "marketplace_assets"
  query_scope = "COLLECTION"
  fields {
    field_path = "authorUid"
    order      = "ASCENDING"
  }
  fields {
    field_path = "listed"
    order      = "ASCENDING"
  }
  fields {
    field_path = "searchTokens"
    array_config = "CONTAINS"
  }
  fields {
    field_path = "score"
    order      = "DESCENDING"
  }
}

resource "google_firestore_index" "marketplace_assets_authorUid_listed_searchTokens_downloads" {
  project     = var.project_id
  database    = google_firestore_database.main.name
  collection  = "marketplace_assets"
  query_scope = "COLLECTION"
  fields {
    field_path = "authorUid"
    order      = "ASCENDING"
  }
  fields {
    field_path = "listed"
    order      = "ASCENDING"
  }
  fields {
    field_path = "searchTokens"
    array_config = "CONTAINS"
  }
  fields {
    field_path = "downloads"
    order      = "DESCENDING"
  }
}

resource "google_firestore_index" "marketplace_assets_authorUid_listed_searchTokens_averageRating" {
  project     = var.project_id
  database    = google_firestore_database.main.name
  collection  = "marketplace_assets"
  query_scope = "COLLECTION"
  fields {
    field_path = "authorUid"
    order      = "ASCENDING"
  }
  fields {
    field_path = "listed"
    order      = "ASCENDING"
  }
  fields {
    field_path = "searchTokens"
    array_config = "CONTAINS"
  }
  fields {
    field_path = "averageRating"
    order      = "DESCENDING"
  }
}

resource "google_firestore_index" "marketplace_assets_authorUid_listed_searchTokens_publishedAt" {
  project     = var.project_id
  database    = google_firestore_database.main.name
  collection  = "marketplace_assets"
  query_scope = "COLLECTION"
  fields {
    field_path = "authorUid"
    order      = "ASCENDING"
  }
  fields {
    field_path = "listed"
    order      = "ASCENDING"
  }
  fields {
    field_path = "searchTokens"
    array_config = "CONTAINS"
  }
  fields {
    field_path = "publishedAt"
    order      = "DESCENDING"
  }
}

resource "google_firestore_index" "marketplace_assets_authorUid_kind_listed_score" {
  project     = var.project_id
  database    = google_firestore_database.main.name
  collection  = "marketplace_assets"
  query_scope = "COLLECTION"
  fields {
    field_path = "authorUid"
    order      = "ASCENDING"
  }
  fields {
    field_path = "kind"
    order      = "ASCENDING"
  }
  fields {
    field_path = "listed"
    order      = "ASCENDING"
  }
  fields {
    field_path = "score"
    order      = "DESCENDING"
  }
}

resource "google_firestore_index" "marketplace_assets_authorUid_kind_listed_downloads" {
  project     = var.project_id
  database    = google_firestore_database.main.name
  collection  = "marketplace_assets"
  query_scope = "COLLECTION"
  fields {
    field_path = "authorUid"
    order      = "ASCENDING"
  }
  fields {
    field_path = "kind"
    order      = "ASCENDING"
  }
  fields {
    field_path = "listed"
    order      = "ASCENDING"
  }
  fields {
    field_path = "downloads"
    order      = "DESCENDING"
  }
}

resource "google_firestore_index" "marketplace_assets_authorUid_kind_listed_averageRating" {
  project     = var.project_id
  database    = google_firestore_database.main.name
  collection  = "marketplace_assets"
  query_scope = "COLLECTION"
  fields {
    field_path = "authorUid"
    order      = "ASCENDING"
  }
  fields {
    field_path = "kind"
    order      = "ASCENDING"
  }
  fields {
    field_path = "listed"
    order      = "ASCENDING"
  }
  fields {
    field_path = "averageRating"
    order      = "DESCENDING"
  }
}

resource "google_firestore_index" "marketplace_assets_authorUid_kind_listed_publishedAt" {
  project     = var.project_id
  database    = google_firestore_database.main.name
  collection  = "marketplace_assets"
  query_scope = "COLLECTION"
  fields {
    field_path = "authorUid"
    order      = "ASCENDING"
  }
  fields {
    field_path = "kind"
    order      = "ASCENDING"
  }
  fields {
    field_path = "listed"
    order      = "ASCENDING"
  }
  fields {
    field_path = "publishedAt"
    order      = "DESCENDING"
  }
}

resource "google_firestore_index" "marketplace_assets_authorUid_kind_listed_searchTokens_score" {
  project     = var.project_id
  database    = google_firestore_database.main.name
  collection  = "marketplace_assets"
  query_scope = "COLLECTION"
  fields {
    field_path = "authorUid"
    order      = "ASCENDING"
  }
  fields {
    field_path = "kind"
    order      = "ASCENDING"
  }
  fields {
    field_path = "listed"
    order      = "ASCENDING"
  }
  fields {
    field_path = "searchTokens"
    array_config = "CONTAINS"
  }
  fields {
    field_path = "score"
    order      = "DESCENDING"
  }
}

resource "google_firestore_index" "marketplace_assets_authorUid_kind_listed_searchTokens_downloads" {
  project     = var.project_id
  database    = google_firestore_database.main.name
  collection  = "marketplace_assets"
  query_scope = "COLLECTION"
  fields {
    field_path = "authorUid"
    order      = "ASCENDING"
  }
  fields {
    field_path = "kind"
    order      = "ASCENDING"
  }
  fields {
    field_path = "listed"
    order      = "ASCENDING"
  }
  fields {
    field_path = "searchTokens"
    array_config = "CONTAINS"
  }
  fields {
    field_path = "downloads"
    order      = "DESCENDING"
  }
}

resource "google_firestore_index" "marketplace_assets_authorUid_kind_listed_searchTokens_averageRating" {
  project     = var.project_id
  database    = google_firestore_database.main.name
  collection  = "marketplace_assets"
  query_scope = "COLLECTION"
  fields {
    field_path = "authorUid"
    order      = "ASCENDING"
  }
  fields {
    field_path = "kind"
    order      = "ASCENDING"
  }
  fields {
    field_path = "listed"
    order      = "ASCENDING"
  }
  fields {
    field_path = "searchTokens"
    array_config = "CONTAINS"
  }
  fields {
    field_path = "averageRating"
    order      = "DESCENDING"
  }
}

resource "google_firestore_index" "marketplace_assets_authorUid_kind_listed_searchTokens_publishedAt" {
  project     = var.project_id
  database    = google_firestore_database.main.name
  collection  = "marketplace_assets"
  query_scope = "COLLECTION"
  fields {
    field_path = "authorUid"
    order      = "ASCENDING"
  }
  fields {
    field_path = "kind"
    order      = "ASCENDING"
  }
  fields {
    field_path = "listed"
    order      = "ASCENDING"
  }
  fields {
    field_path = "searchTokens"
    array_config = "CONTAINS"
  }
  fields {
    field_path = "publishedAt"
    order      = "DESCENDING"
  }
}

resource "google_firestore_index" "asset_reviews_assetId_hidden_updatedAt" {
  project     = var.project_id
  database    = google_firestore_database.main.name
  collection  = "asset_reviews"
  query_scope = "COLLECTION"
  fields {
    field_path = "assetId"
    order      = "ASCENDING"
  }
  fields {
    field_path = "hidden"
    order      = "ASCENDING"
  }
  fields {
    field_path = "updatedAt"
    order      = "DESCENDING"
  }
}

resource "google_firestore_index" "asset_reviews_assetId_hidden_helpful" {
  project     = var.project_id
  database    = google_firestore_database.main.name
  collection  = "asset_reviews"
  query_scope = "COLLECTION"
  fields {
    field_path = "assetId"
    order      = "ASCENDING"
  }
  fields {
    field_path = "hidden"
    order      = "ASCENDING"
  }
  fields {
    field_path = "helpful"
    order      = "DESCENDING"
  }
}

resource "google_firestore_index" "marketplace_reports_status_createdAt" {
  project     = var.project_id
  database    = google_firestore_database.main.name
  collection  = "marketplace_reports"
  query_scope = "COLLECTION"
  fields {
    field_path = "status"
    order      = "ASCENDING"
  }
  fields {
    field_path = "createdAt"
    order      = "DESCENDING"
  }
}
