using Quell.Cases;

namespace Quell.Tests.Cases;

/// <summary>These names are stored in rows and sent to clients: changing one orphans existing data.</summary>
public sealed class PersistedNamesTests
{
    [Fact]
    public void Case_statuses_and_resolutions_keep_their_stored_names()
    {
        Assert.Equal(["new", "in-progress", "resolved"], CaseStatus.All);
        Assert.Equal(["true-positive", "false-positive", "benign", "duplicate", "indeterminate"], CaseResolution.All);
    }

    [Fact]
    public void Task_statuses_keep_their_stored_names()
    {
        Assert.Equal(["waiting", "in-progress", "completed", "cancelled"], CaseTaskStatus.All);
    }

    [Fact]
    public void Timeline_kinds_keep_their_stored_names()
    {
        var kinds = typeof(CaseTimelineKind).GetFields().Select(f => (string)f.GetValue(null)!).ToArray();
        Assert.Equal(
        [
            "case.created", "case.status", "case.assignee", "case.severity", "case.contained", "case.merged-from", "case.merged-into",
            "alert.linked", "alert.updated", "task.added", "task.status", "task.assignee", "task.log", "comment.added",
            "observable.added", "observable.updated", "observable.deleted", "responder.operation",
        ], kinds);
    }
}
