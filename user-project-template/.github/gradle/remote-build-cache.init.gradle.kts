// Applied by android-publish.yml with --init-script: when GRADLE_REMOTE_CACHE_URL is set (a
// dispatch input the BFF fills from its configuration, pointing at an HTTP build-cache node or bucket gateway), Gradle reads task
// outputs from it and, on the main branch, writes them back. Without it only the local cache
// (kept between runs by gradle/actions/setup-gradle) is used.
val remoteCacheUrl: String? = System.getenv("GRADLE_REMOTE_CACHE_URL")
if (!remoteCacheUrl.isNullOrBlank()) {
    gradle.settingsEvaluated {
        buildCache {
            remote(HttpBuildCache::class.java) {
                setUrl(java.net.URI(remoteCacheUrl))
                isPush = System.getenv("GRADLE_REMOTE_CACHE_PUSH") == "true"
            }
        }
    }
}
