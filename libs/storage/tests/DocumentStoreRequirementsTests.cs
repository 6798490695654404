using Microsoft.Extensions.DependencyInjection;
using PocketCode.Storage.Documents;
using Xunit;

namespace PocketCode.Storage.Tests;

public sealed class DocumentStoreRequirementsTests
{
    [Fact]
    public void The_catalog_holds_every_declaration_once()
    {
        var projects = new CompositeIndex("projects", IndexField.Asc("ownerUid"), IndexField.Desc("lastActivityAt"));
        var tags = new CompositeIndex("assets", IndexField.Contains("tags"), IndexField.Desc("downloads"));
        var services = new ServiceCollection()
            .AddDocumentStoreRequirements(new DocumentStoreRequirements([projects], [new TtlPolicy("idempotency_keys", "expiresAt")]))
            .AddDocumentStoreRequirements(DocumentStoreRequirements.Of(
                new CompositeIndex("projects", IndexField.Asc("ownerUid"), IndexField.Desc("lastActivityAt")),
                tags))
            .BuildServiceProvider();

        var catalog = services.GetRequiredService<DocumentStoreRequirementsCatalog>();

        Assert.Equal([projects, tags], catalog.Indexes);
        Assert.Equal([new TtlPolicy("idempotency_keys", "expiresAt")], catalog.TtlPolicies);
    }

    [Fact]
    public void Indexes_differ_by_field_order_and_mode()
    {
        var a = new CompositeIndex("c", IndexField.Asc("x"), IndexField.Desc("y"));
        Assert.NotEqual(a, new CompositeIndex("c", IndexField.Desc("y"), IndexField.Asc("x")));
        Assert.NotEqual(a, new CompositeIndex("c", IndexField.Asc("x"), IndexField.Asc("y")));
        Assert.Equal("c(x Ascending, y Descending)", a.ToString());
    }

    [Fact]
    public void Single_field_and_equality_only_queries_need_no_composite_index()
    {
        Assert.Null(CompositeIndex.RequiredFor(new DocumentQuery("projects").Where("ownerUid", FilterOperator.Equal, "u")));
        Assert.Null(CompositeIndex.RequiredFor(new DocumentQuery("projects").OrderBy("updatedAt", SortDirection.Descending)));
        Assert.Null(CompositeIndex.RequiredFor(new DocumentQuery("assets")
            .Where("kind", FilterOperator.Equal, "template").Where("tokens", FilterOperator.ArrayContains, "compo")));
    }

    [Fact]
    public void A_filtered_and_ordered_query_needs_the_index_with_its_orders_last()
    {
        var query = new DocumentQuery("users/u/builds")
            .Where("state", FilterOperator.Equal, "running")
            .Where("ownerUid", FilterOperator.Equal, "u")
            .OrderBy("updatedAt", SortDirection.Descending);

        Assert.Equal(
            new CompositeIndex("builds", IndexField.Asc("ownerUid"), IndexField.Asc("state"), IndexField.Desc("updatedAt")),
            CompositeIndex.RequiredFor(query));
        Assert.True(new CompositeIndex("builds", IndexField.Desc("state"), IndexField.Asc("ownerUid"), IndexField.Desc("updatedAt")).Covers(query));
        Assert.False(new CompositeIndex("builds", IndexField.Asc("ownerUid"), IndexField.Asc("state"), IndexField.Asc("updatedAt")).Covers(query));
        Assert.False(new CompositeIndex("projects", IndexField.Asc("ownerUid"), IndexField.Asc("state"), IndexField.Desc("updatedAt")).Covers(query));
    }

    [Fact]
    public void A_range_filter_orders_by_its_field()
    {
        var query = new DocumentQuery("assets")
            .Where("tokens", FilterOperator.ArrayContains, "compo")
            .Where("downloads", FilterOperator.GreaterThan, 10L);
        var required = CompositeIndex.RequiredFor(query);
        Assert.Equal(new CompositeIndex("assets", IndexField.Contains("tokens"), IndexField.Asc("downloads")), required);
        var catalog = new DocumentStoreRequirementsCatalog([DocumentStoreRequirements.Of(required!)]);
        Assert.True(catalog.Covers(query));
        Assert.False(new DocumentStoreRequirementsCatalog([]).Covers(query));
    }
}
