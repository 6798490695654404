// Top-level build file: declares the plugin versions (from gradle/libs.versions.toml) once;
// each module applies the plugins it needs.
plugins {
    alias(libs.plugins.android.application) apply false
    alias(libs.plugins.kotlin.android) apply false
}
