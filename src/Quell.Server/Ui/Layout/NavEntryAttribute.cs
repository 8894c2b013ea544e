using System.Reflection;
using Microsoft.AspNetCore.Components;
using Quell.Identity;

namespace Quell.Server.Ui.Layout;

/// <summary>
/// Puts a page in the header navigation: <c>@attribute [NavEntry("Alerts", 10)]</c> on a page with <c>@page</c>.
/// The entry shows only to callers whose role allows the page's <see cref="PagePermissionAttribute"/>. Adding a page
/// to the UI is a .razor file with these two attributes; nothing else to register.
/// </summary>
[AttributeUsage(AttributeTargets.Class)]
public sealed class NavEntryAttribute(string label, int order) : Attribute
{
    public string Label => label;
    public int Order => order;
}

public sealed record NavItem(string Label, string Href, Permission Permission);

public static class Navigation
{
    /// <summary>Every page with a <see cref="NavEntryAttribute"/>, in order; read once from the assembly.</summary>
    public static readonly IReadOnlyList<NavItem> Items = typeof(NavEntryAttribute).Assembly.GetTypes()
        .Select(t => (Type: t, Entry: t.GetCustomAttribute<NavEntryAttribute>(), Route: t.GetCustomAttribute<RouteAttribute>()))
        .Where(x => x.Entry is not null && x.Route is not null)
        .OrderBy(x => x.Entry!.Order)
        .Select(x => new NavItem(x.Entry!.Label, x.Route!.Template,
            x.Type.GetCustomAttribute<PagePermissionAttribute>()?.Permission ?? Permission.Authenticated))
        .ToList();
}
