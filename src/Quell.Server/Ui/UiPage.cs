using Microsoft.AspNetCore.Components;
using Quell.Identity;
using Quell.Storage;

namespace Quell.Server.Ui;

/// <summary>
/// Base of every page: the signed-in caller of the request, the store and the clock. Pages are rendered on the server
/// per request (static SSR); a page declares what it needs with <see cref="PagePermissionAttribute"/>, and a form
/// handler that changes something checks its own permission with <see cref="Require"/>, exactly as the API does.
/// </summary>
public abstract class UiPage : ComponentBase
{
    [CascadingParameter] public HttpContext HttpContext { get; set; } = default!;
    [Inject] public Db Db { get; set; } = default!;
    [Inject] public TimeProvider Time { get; set; } = default!;
    [Inject] public NavigationManager Navigation { get; set; } = default!;

    /// <summary>The caller. Pages other than public ones are reached only when signed in (the page's policy).</summary>
    protected Caller Caller => Caller.FromPrincipal(HttpContext.User)
        ?? throw new InvalidOperationException("this page needs a signed-in user; is its [PagePermission] missing?");

    protected bool Can(Permission p) => Caller.FromPrincipal(HttpContext.User)?.Can(p) == true;

    protected long Now => Time.GetUtcNow().ToUnixTimeMilliseconds();

    /// <summary>
    /// For form handlers: false, with a 403 answer, when the caller lacks <paramref name="p"/>. A read-only user who
    /// forges a post gets what the API would give it.
    /// </summary>
    protected bool Require(Permission p)
    {
        if (Can(p))
            return true;
        HttpContext.Response.StatusCode = StatusCodes.Status403Forbidden;
        Forbidden = $"Your role does not allow this ({p}).";
        return false;
    }

    /// <summary>Set when a post was refused; pages show it in a banner.</summary>
    protected string? Forbidden { get; private set; }
}
