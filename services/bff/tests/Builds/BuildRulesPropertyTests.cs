using System.Globalization;
using CsCheck;
using PocketCode.Bff.Builds;
using Xunit;

namespace PocketCode.Bff.Tests.Builds;

/// <summary>
/// The rollout fraction sent to Play: every fraction a request may ask for is sent as exactly that
/// number, strictly between 0 and 1 and without an exponent; every other one is refused on the request.
/// </summary>
public sealed class BuildRulesPropertyTests
{
    private static double Parse(string text) => double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture);

    private static void AssertSentAsAsked(double fraction)
    {
        var sent = BuildRules.FormatFraction(fraction);
        Assert.Matches("^0\\.[0-9]{1,6}$", sent);
        Assert.Equal(fraction, Parse(sent));
        Assert.InRange(Parse(sent), double.Epsilon, 1 - double.Epsilon);
        Assert.True(BuildRules.Validate("production", "inProgress", fraction, null, null, null).IsEmpty, $"{fraction} was refused");
    }

    [Fact]
    public void Every_fraction_of_up_to_six_decimals_is_sent_exactly_as_asked() =>
        Gen.Int[1, 999_999].Select(k => k / 1_000_000.0).Sample(AssertSentAsAsked, iter: 20_000);

    [Theory]
    [InlineData(0.00004)]
    [InlineData(0.00001)]
    [InlineData(0.000001)]
    [InlineData(0.99996)]
    [InlineData(0.999999)]
    [InlineData(0.5)]
    public void The_ends_are_no_longer_rounded_to_0_or_1(double fraction) => AssertSentAsAsked(fraction);

    [Fact]
    public void Any_other_double_is_either_sent_exactly_or_refused_on_the_request() =>
        Gen.OneOf(Gen.Double, Gen.Double[-0.5, 1.5], Gen.Double[0, 1e-5], Gen.Double[1 - 1e-5, 1]).Sample(fraction =>
        {
            var errors = BuildRules.Validate("production", "inProgress", fraction, null, null, null);
            if (BuildRules.IsSendableFraction(fraction))
            {
                Assert.True(errors.IsEmpty);
                AssertSentAsAsked(fraction);
            }
            else
            {
                Assert.False(errors.IsEmpty, $"{fraction.ToString("R", CultureInfo.InvariantCulture)} was accepted but cannot be sent as asked");
            }
        }, iter: 20_000);
}
