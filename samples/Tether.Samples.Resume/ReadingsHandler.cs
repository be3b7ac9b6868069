
namespace Tether.Samples.Resume;

/// <summary>Collects readings and checks that each arrives exactly once, in order.</summary>
[Handler(ServiceName = "Readings")]
public sealed partial class ReadingsHandler
{
    private long _next;
    private string _firstFault = "";

    /// <summary>A one-way reading. The receive loop dispatches one-way messages of a session in order.</summary>
    public void Record(Reading reading)
    {
        if (reading.Sequence != _next)
        {
            if (_firstFault.Length == 0)
            {
                _firstFault = reading.Sequence < _next
                    ? $"reading {reading.Sequence} arrived again after {_next - 1}"
                    : $"readings {_next}..{reading.Sequence - 1} never arrived";
            }

            return;
        }

        _next++;
    }

    /// <summary>Answers after every reading sent before it has been handled (same session, same order).</summary>
    public Tally Count(TallyRequest request) => new(_next, _firstFault);
}
