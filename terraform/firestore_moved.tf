# One-off migration: the indexes and TTL fields used to be one hand-written resource each; these
# blocks move them onto the for_each instances of firestore.tf so the next apply neither destroys nor
# recreates any of them. Delete this file once every deployment's state has been applied with it.

moved {
  from = google_firestore_index.asset_reviews_assetId_hidden_helpful
  to   = google_firestore_index.declared["asset_reviews/assetId:ASC,hidden:ASC,helpful:DESC"]
}

moved {
  from = google_firestore_index.asset_reviews_assetId_hidden_updatedAt
  to   = google_firestore_index.declared["asset_reviews/assetId:ASC,hidden:ASC,updatedAt:DESC"]
}

moved {
  from = google_firestore_index.builds_owner_project_created
  to   = google_firestore_index.declared["builds/ownerUid:ASC,projectId:ASC,createdAt:DESC"]
}

moved {
  from = google_firestore_index.builds_owner_project_state_created
  to   = google_firestore_index.declared["builds/ownerUid:ASC,projectId:ASC,state:ASC,createdAt:DESC"]
}

moved {
  from = google_firestore_index.builds_owner_updated
  to   = google_firestore_index.declared["builds/ownerUid:ASC,updatedAt:DESC"]
}

moved {
  from = google_firestore_index.marketplace_assets_authorUid_kind_listed_averageRating
  to   = google_firestore_index.declared["marketplace_assets/authorUid:ASC,kind:ASC,listed:ASC,averageRating:DESC"]
}

moved {
  from = google_firestore_index.marketplace_assets_authorUid_kind_listed_downloads
  to   = google_firestore_index.declared["marketplace_assets/authorUid:ASC,kind:ASC,listed:ASC,downloads:DESC"]
}

moved {
  from = google_firestore_index.marketplace_assets_authorUid_kind_listed_publishedAt
  to   = google_firestore_index.declared["marketplace_assets/authorUid:ASC,kind:ASC,listed:ASC,publishedAt:DESC"]
}

moved {
  from = google_firestore_index.marketplace_assets_authorUid_kind_listed_score
  to   = google_firestore_index.declared["marketplace_assets/authorUid:ASC,kind:ASC,listed:ASC,score:DESC"]
}

moved {
  from = google_firestore_index.marketplace_assets_authorUid_kind_listed_searchTokens_averageRating
  to   = google_firestore_index.declared["marketplace_assets/authorUid:ASC,kind:ASC,listed:ASC,searchTokens:CONTAINS,averageRating:DESC"]
}

moved {
  from = google_firestore_index.marketplace_assets_authorUid_kind_listed_searchTokens_downloads
  to   = google_firestore_index.declared["marketplace_assets/authorUid:ASC,kind:ASC,listed:ASC,searchTokens:CONTAINS,downloads:DESC"]
}

moved {
  from = google_firestore_index.marketplace_assets_authorUid_kind_listed_searchTokens_publishedAt
  to   = google_firestore_index.declared["marketplace_assets/authorUid:ASC,kind:ASC,listed:ASC,searchTokens:CONTAINS,publishedAt:DESC"]
}

moved {
  from = google_firestore_index.marketplace_assets_authorUid_kind_listed_searchTokens_score
  to   = google_firestore_index.declared["marketplace_assets/authorUid:ASC,kind:ASC,listed:ASC,searchTokens:CONTAINS,score:DESC"]
}

moved {
  from = google_firestore_index.marketplace_assets_authorUid_listed_averageRating
  to   = google_firestore_index.declared["marketplace_assets/authorUid:ASC,listed:ASC,averageRating:DESC"]
}

moved {
  from = google_firestore_index.marketplace_assets_authorUid_listed_downloads
  to   = google_firestore_index.declared["marketplace_assets/authorUid:ASC,listed:ASC,downloads:DESC"]
}

moved {
  from = google_firestore_index.marketplace_assets_authorUid_listed_publishedAt
  to   = google_firestore_index.declared["marketplace_assets/authorUid:ASC,listed:ASC,publishedAt:DESC"]
}

moved {
  from = google_firestore_index.marketplace_assets_authorUid_listed_score
  to   = google_firestore_index.declared["marketplace_assets/authorUid:ASC,listed:ASC,score:DESC"]
}

moved {
  from = google_firestore_index.marketplace_assets_authorUid_listed_searchTokens_averageRating
  to   = google_firestore_index.declared["marketplace_assets/authorUid:ASC,listed:ASC,searchTokens:CONTAINS,averageRating:DESC"]
}

moved {
  from = google_firestore_index.marketplace_assets_authorUid_listed_searchTokens_downloads
  to   = google_firestore_index.declared["marketplace_assets/authorUid:ASC,listed:ASC,searchTokens:CONTAINS,downloads:DESC"]
}

moved {
  from = google_firestore_index.marketplace_assets_authorUid_listed_searchTokens_publishedAt
  to   = google_firestore_index.declared["marketplace_assets/authorUid:ASC,listed:ASC,searchTokens:CONTAINS,publishedAt:DESC"]
}

moved {
  from = google_firestore_index.marketplace_assets_authorUid_listed_searchTokens_score
  to   = google_firestore_index.declared["marketplace_assets/authorUid:ASC,listed:ASC,searchTokens:CONTAINS,score:DESC"]
}

moved {
  from = google_firestore_index.marketplace_assets_kind_listed_averageRating
  to   = google_firestore_index.declared["marketplace_assets/kind:ASC,listed:ASC,averageRating:DESC"]
}

moved {
  from = google_firestore_index.marketplace_assets_kind_listed_downloads
  to   = google_firestore_index.declared["marketplace_assets/kind:ASC,listed:ASC,downloads:DESC"]
}

moved {
  from = google_firestore_index.marketplace_assets_kind_listed_publishedAt
  to   = google_firestore_index.declared["marketplace_assets/kind:ASC,listed:ASC,publishedAt:DESC"]
}

moved {
  from = google_firestore_index.marketplace_assets_kind_listed_score
  to   = google_firestore_index.declared["marketplace_assets/kind:ASC,listed:ASC,score:DESC"]
}

moved {
  from = google_firestore_index.marketplace_assets_kind_listed_searchTokens_averageRating
  to   = google_firestore_index.declared["marketplace_assets/kind:ASC,listed:ASC,searchTokens:CONTAINS,averageRating:DESC"]
}

moved {
  from = google_firestore_index.marketplace_assets_kind_listed_searchTokens_downloads
  to   = google_firestore_index.declared["marketplace_assets/kind:ASC,listed:ASC,searchTokens:CONTAINS,downloads:DESC"]
}

moved {
  from = google_firestore_index.marketplace_assets_kind_listed_searchTokens_publishedAt
  to   = google_firestore_index.declared["marketplace_assets/kind:ASC,listed:ASC,searchTokens:CONTAINS,publishedAt:DESC"]
}

moved {
  from = google_firestore_index.marketplace_assets_kind_listed_searchTokens_score
  to   = google_firestore_index.declared["marketplace_assets/kind:ASC,listed:ASC,searchTokens:CONTAINS,score:DESC"]
}

moved {
  from = google_firestore_index.marketplace_assets_listed_averageRating
  to   = google_firestore_index.declared["marketplace_assets/listed:ASC,averageRating:DESC"]
}

moved {
  from = google_firestore_index.marketplace_assets_listed_downloads
  to   = google_firestore_index.declared["marketplace_assets/listed:ASC,downloads:DESC"]
}

moved {
  from = google_firestore_index.marketplace_assets_listed_publishedAt
  to   = google_firestore_index.declared["marketplace_assets/listed:ASC,publishedAt:DESC"]
}

moved {
  from = google_firestore_index.marketplace_assets_listed_score
  to   = google_firestore_index.declared["marketplace_assets/listed:ASC,score:DESC"]
}

moved {
  from = google_firestore_index.marketplace_assets_listed_searchTokens_averageRating
  to   = google_firestore_index.declared["marketplace_assets/listed:ASC,searchTokens:CONTAINS,averageRating:DESC"]
}

moved {
  from = google_firestore_index.marketplace_assets_listed_searchTokens_downloads
  to   = google_firestore_index.declared["marketplace_assets/listed:ASC,searchTokens:CONTAINS,downloads:DESC"]
}

moved {
  from = google_firestore_index.marketplace_assets_listed_searchTokens_publishedAt
  to   = google_firestore_index.declared["marketplace_assets/listed:ASC,searchTokens:CONTAINS,publishedAt:DESC"]
}

moved {
  from = google_firestore_index.marketplace_assets_listed_searchTokens_score
  to   = google_firestore_index.declared["marketplace_assets/listed:ASC,searchTokens:CONTAINS,score:DESC"]
}

moved {
  from = google_firestore_index.marketplace_reports_status_createdAt
  to   = google_firestore_index.declared["marketplace_reports/status:ASC,createdAt:DESC"]
}

moved {
  from = google_firestore_index.projects_owner_state_activity
  to   = google_firestore_index.declared["projects/ownerUid:ASC,state:ASC,lastActivityAt:DESC"]
}

moved {
  from = google_firestore_field.credential_downloads_ttl
  to   = google_firestore_field.ttl["credential_downloads/expiresAt"]
}

moved {
  from = google_firestore_field.github_webhook_deliveries_ttl
  to   = google_firestore_field.ttl["github_webhook_deliveries/expiresAt"]
}

moved {
  from = google_firestore_field.idempotency_keys_ttl
  to   = google_firestore_field.ttl["idempotency_keys/expiresAt"]
}

moved {
  from = google_firestore_field.notifications_ttl
  to   = google_firestore_field.ttl["notifications/expiresAt"]
}
