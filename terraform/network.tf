# Internal-ingress Cloud Run services accept requests only from inside the VPC, so the BFF sends
# all of its egress through a subnet (Direct VPC egress) and reaches the internet (Google's token
# keys, GitHub, the marketplace's and proxy's run.app URLs via Private Google Access) through Cloud NAT.

resource "google_compute_network" "main" {
  name                    = "pocketcode"
  auto_create_subnetworks = false
  depends_on              = [google_project_service.apis]
}

resource "google_compute_subnetwork" "run" {
  name                     = "pocketcode-run"
  region                   = var.region
  network                  = google_compute_network.main.id
  ip_cidr_range            = "10.8.0.0/24"
  private_ip_google_access = true
}

resource "google_compute_router" "main" {
  name    = "pocketcode"
  region  = var.region
  network = google_compute_network.main.id
}

resource "google_compute_router_nat" "main" {
  name                               = "pocketcode"
  router                             = google_compute_router.main.name
  region                             = var.region
  nat_ip_allocate_option             = "AUTO_ONLY"
  source_subnetwork_ip_ranges_to_nat = "ALL_SUBNETWORKS_ALL_IP_RANGES"
}
