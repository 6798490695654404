// Applied by android-publish.yml with --init-script. .github/scripts/build-cache-login.sh puts
// the PocketCode BFF's build cache in the environment: the URL (${bff_url}/v1/build-cache/), a
// Basic credential of this build's owner (entries live under the owner's prefix, so no other
// user's build reads or writes them) and whether this run may write (only runs of the default
// branch). Without them (the BFF has no cache, or the login failed) only the local cache (kept
// between runs by gradle/actions/setup-gradle) is used.
val cacheUrl: String? = System.getenv("POCKETCODE_BUILD_CACHE_URL")
if (!cacheUrl.isNullOrBlank()) {
    gradle.settingsEvaluated {
        buildCache {
            remote(HttpBuildCache::class.java) {
                setUrl(java.net.URI(cacheUrl))
                isPush = System.getenv("POCKETCODE_BUILD_CACHE_PUSH") == "true"
                credentials {
                    username = System.getenv("POCKETCODE_BUILD_CACHE_USER")
                    password = System.getenv("POCKETCODE_BUILD_CACHE_PASSWORD")
                }
            }
        }
    }
}
