using System.Net;
using System.Net.Http.Json;
using Quell.Tests.Support;

namespace Quell.Tests.Identity;

/// <summary>Password sign-in, lockout, the session cookie, CSRF protection of cookie requests, logout.</summary>
public abstract class SignInTests(TestServer server)
{
    ShiftableTime Clock => ((IClockedServer)server).Clock;

    async Task<string> NewUserAsync(string role = "analyst")
    {
        using var admin = server.Client();
        var username = Tenants.NewUsername();
        await Tenants.CreateUserAsync(admin, username, role);
        return username;
    }

    [Fact]
    public async Task Five_wrong_passwords_lock_the_account_and_even_the_right_one_is_refused_until_the_lock_ends()
    {
        var username = await NewUserAsync();
        using var s = Session.Anonymous(server);
        for (var i = 1; i <= 4; i++)
        {
            var wrong = await (await s.PostLoginAsync(username, "wrong-password-" + i)).ExpectProblemAsync(HttpStatusCode.Unauthorized);
            Assert.Contains("wrong username or password", Problem.Detail(wrong), StringComparison.OrdinalIgnoreCase);
        }
        var fifth = await (await s.PostLoginAsync(username, "wrong-password-5")).ExpectProblemAsync(HttpStatusCode.Unauthorized);
        Assert.Contains("locked", Problem.Detail(fifth));

        var right = await (await s.PostLoginAsync(username, Tenants.Password)).ExpectProblemAsync(HttpStatusCode.Unauthorized);
        Assert.Contains("locked until", Problem.Detail(right));
        Assert.True(right.TryGetProperty("lockedUntil", out _), "the problem should say until when");

        Clock.Advance(TimeSpan.FromMinutes(16));
        await (await s.PostLoginAsync(username, Tenants.Password)).ExpectAsync(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Wrong_passwords_sent_in_parallel_still_lock_the_account()
    {
        // Each attempt reads the failure count and writes it back plus one; attempts that overlap must not lose counts,
        // or an attacker who sends guesses in parallel is never locked out.
        var username = await NewUserAsync();
        using var s = Session.Anonymous(server);
        var attempts = Enumerable.Range(0, 12).Select(i => s.PostLoginAsync(username, "parallel-guess-" + i)).ToList();
        foreach (var response in await Task.WhenAll(attempts))
            await response.ExpectProblemAsync(HttpStatusCode.Unauthorized);

        var right = await (await s.PostLoginAsync(username, Tenants.Password)).ExpectProblemAsync(HttpStatusCode.Unauthorized);
        Assert.Contains("locked", Problem.Detail(right));
    }

    [Fact]
    public async Task A_successful_sign_in_resets_the_failure_count()
    {
        var username = await NewUserAsync();
        using var s = Session.Anonymous(server);
        for (var i = 0; i < 4; i++)
            await (await s.PostLoginAsync(username, "wrong")).ExpectProblemAsync(HttpStatusCode.Unauthorized);
        await (await s.PostLoginAsync(username, Tenants.Password)).ExpectAsync(HttpStatusCode.OK);
        for (var i = 0; i < 4; i++)
            await (await s.PostLoginAsync(username, "wrong")).ExpectProblemAsync(HttpStatusCode.Unauthorized);
        await (await s.PostLoginAsync(username, Tenants.Password)).ExpectAsync(HttpStatusCode.OK);
    }

    [Fact]
    public async Task An_unknown_user_gets_the_same_answer_as_a_wrong_password()
    {
        using var s = Session.Anonymous(server);
        var unknown = await (await s.PostLoginAsync(Tenants.NewUsername("nobody"), "whatever-password")).ExpectProblemAsync(HttpStatusCode.Unauthorized);
        var wrong = await (await s.PostLoginAsync(await NewUserAsync(), "whatever-password")).ExpectProblemAsync(HttpStatusCode.Unauthorized);
        Assert.Equal(Problem.Detail(wrong), Problem.Detail(unknown));
    }

    [Fact]
    public async Task Cookie_sign_in_opens_a_session_that_identifies_the_user()
    {
        var username = await NewUserAsync("approver");
        using var s = await Session.LoginAsync(server, username, Tenants.Password);
        var me = await s.MeAsync();
        Assert.Equal(username, me.GetProperty("username").GetString());
        Assert.Equal("approver", me.GetProperty("role").GetString());
        Assert.Equal("default", me.GetProperty("organisation").GetProperty("name").GetString());
        Assert.False(string.IsNullOrEmpty(me.GetProperty("csrfToken").GetString()));
        Assert.False(string.IsNullOrEmpty(s.CsrfToken));
        Assert.Contains("quell.session=", s.CookieHeader);
    }

    [Fact]
    public async Task A_cookie_authenticated_post_without_the_csrf_token_is_refused_and_with_it_succeeds()
    {
        var username = await NewUserAsync();
        using var s = await Session.LoginAsync(server, username, Tenants.Password);
        var sourceRef = Guid.NewGuid().ToString("N");
        var alert = new { type = "test", source = "csrf", sourceRef, title = "cookie post" };

        var refused = await (await s.SendAsync(HttpMethod.Post, "/api/v1/alerts", alert, withCsrf: false)).ExpectProblemAsync(HttpStatusCode.BadRequest);
        Assert.Contains("X-CSRF-TOKEN", Problem.Detail(refused));
        var forged = new HttpRequestMessage(HttpMethod.Post, "/api/v1/alerts") { Content = JsonContent.Create(alert) };
        forged.Headers.Add(Session.CsrfHeader, "forged-token");
        await (await s.Client.SendAsync(forged)).ExpectProblemAsync(HttpStatusCode.BadRequest);
        using var admin = server.Client();
        var none = await admin.GetAsync($"/api/v1/alerts?source=csrf&q=cookie").ExpectAsync(HttpStatusCode.OK);
        Assert.DoesNotContain(none.GetProperty("items").EnumerateArray(), a => a.GetProperty("sourceRef").GetString() == sourceRef);

        await (await s.SendAsync(HttpMethod.Post, "/api/v1/alerts", alert)).ExpectAsync(HttpStatusCode.Created);
        // Reads need no token.
        await s.GetAsync("/api/v1/alerts").ExpectAsync(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Another_users_csrf_token_does_not_work()
    {
        using var alice = await Session.LoginAsync(server, await NewUserAsync(), Tenants.Password);
        using var bob = await Session.LoginAsync(server, await NewUserAsync(), Tenants.Password);
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/me/api-keys") { Content = JsonContent.Create(new { name = "x" }) };
        request.Headers.Add(Session.CsrfHeader, alice.CsrfToken);
        await (await bob.Client.SendAsync(request)).ExpectProblemAsync(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Logout_ends_the_session_even_for_a_copy_of_the_cookie()
    {
        var username = await NewUserAsync();
        using var s = await Session.LoginAsync(server, username, Tenants.Password);
        var stolen = s.CookieHeader;
        await s.MeAsync();

        await (await s.SendAsync(HttpMethod.Post, "/api/v1/logout", null)).ExpectAsync(HttpStatusCode.NoContent);

        await s.GetAsync("/api/v1/me").ExpectProblemAsync(HttpStatusCode.Unauthorized);
        using var replay = new HttpClient { BaseAddress = server.BaseAddress };
        var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/me");
        request.Headers.Add("Cookie", stolen);
        await (await replay.SendAsync(request)).ExpectProblemAsync(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Signing_in_with_an_organisation_the_user_does_not_belong_to_is_refused()
    {
        var username = await NewUserAsync();
        var b = await Tenants.CreateAsync(server);
        using var s = Session.Anonymous(server);
        var refused = await (await s.PostLoginAsync(username, Tenants.Password, b.Name)).ExpectProblemAsync(HttpStatusCode.Unauthorized);
        Assert.Contains(b.Name, Problem.Detail(refused));
    }
}

public sealed class SignInTestsOnSqlite(ClockedSqliteServer server) : SignInTests(server), IClassFixture<ClockedSqliteServer>;

public sealed class SignInTestsOnPostgres(ClockedPostgresServer server) : SignInTests(server), IClassFixture<ClockedPostgresServer>;
