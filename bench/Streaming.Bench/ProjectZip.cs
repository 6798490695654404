using System.Globalization;
using System.IO.Compression;

namespace PocketCode.Streaming.Bench;

/// <summary>
/// Writes a realistic Android project zip of about <c>totalBytes</c> to a file, entry by entry (the
/// content is generated while written, never held): a Gradle project layout (settings, build
/// scripts, wrapper properties, manifest, Kotlin sources, resources; deflated) plus large binary
/// assets under <c>app/src/main/assets/media/</c> (incompressible, stored, as zips keep media).
/// </summary>
internal static class ProjectZip
{
    public const int SourceFiles = 60;

    public static async Task<(int Entries, long UncompressedBytes)> WriteAsync(string path, long totalBytes, long assetBytes)
    {
        await using var file = new FileStream(path, FileMode.Create, FileAccess.ReadWrite, FileShare.None, 1 << 16, useAsync: true);
        await using var zip = new ZipArchive(file, ZipArchiveMode.Create, leaveOpen: true);
        var entries = 0;
        long written = 0;

        async Task TextAsync(string name, string content)
        {
            var entry = zip.CreateEntry(name, CompressionLevel.Optimal);
            await using var target = await entry.OpenAsync();
            await using var writer = new StreamWriter(target);
            await writer.WriteAsync(content);
            entries++;
            written += content.Length;
        }

        await TextAsync("settings.gradle.kts", "pluginManagement { repositories { google(); mavenCentral(); gradlePluginPortal() } }\nrootProject.name = \"StreamingBench\"\ninclude(\":app\")\n");
        await TextAsync("build.gradle.kts", "plugins {\n    id(\"com.android.application\") version \"8.7.0\" apply false\n    id(\"org.jetbrains.kotlin.android\") version \"2.0.21\" apply false\n}\n");
        await TextAsync("gradle.properties", "org.gradle.jvmargs=-Xmx2048m\nandroid.useAndroidX=true\nkotlin.code.style=official\n");
        await TextAsync("gradle/wrapper/gradle-wrapper.properties", "distributionUrl=https\\://services.gradle.org/distributions/gradle-8.10-bin.zip\n");
        await TextAsync("app/build.gradle.kts", "plugins { id(\"com.android.application\"); id(\"org.jetbrains.kotlin.android\") }\nandroid {\n    namespace = \"com.example.streamingbench\"\n    compileSdk = 35\n    defaultConfig { applicationId = \"com.example.streamingbench\"; minSdk = 24; targetSdk = 35; versionCode = 1; versionName = \"1.0\" }\n}\n");
        await TextAsync("app/src/main/AndroidManifest.xml", "<manifest xmlns:android=\"http://schemas.android.com/apk/res/android\">\n  <application android:label=\"Streaming Bench\">\n    <activity android:name=\".MainActivity\" android:exported=\"true\" />\n  </application>\n</manifest>\n");
        await TextAsync("app/src/main/res/values/strings.xml", "<resources>\n  <string name=\"app_name\">Streaming Bench</string>\n</resources>\n");
        for (var i = 0; i < SourceFiles; i++)
        {
            var name = i == 0 ? "MainActivity" : "Feature" + i.ToString(CultureInfo.InvariantCulture);
            var body = string.Concat(Enumerable.Range(0, 40).Select(n => string.Create(CultureInfo.InvariantCulture, $"    fun step{n}(value: Int): Int = value * {n} + {i}\n")));
            await TextAsync($"app/src/main/java/com/example/streamingbench/{name}.kt", $"package com.example.streamingbench\n\nclass {name} {{\n{body}}}\n");
        }

        var remaining = totalBytes - written;
        for (var asset = 0; remaining > 0; asset++)
        {
            var size = Math.Min(assetBytes, remaining);
            var entry = zip.CreateEntry(string.Create(CultureInfo.InvariantCulture, $"app/src/main/assets/media/clip-{asset:00}.bin"), CompressionLevel.NoCompression);
            await using (var target = await entry.OpenAsync())
            {
                await using var content = new PseudoRandomStream(size, (ulong)asset + 1);
                await content.CopyToAsync(target, 1 << 16);
            }

            entries++;
            written += size;
            remaining -= size;
        }

        return (entries, written);
    }
}
