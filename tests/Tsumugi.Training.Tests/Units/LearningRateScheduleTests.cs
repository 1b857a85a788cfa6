using Tsumugi.Datasets.Curriculum;
using Tsumugi.Training.Config;
using Tsumugi.Training.Schedule;

namespace Tsumugi.Training.Tests.Units;

public class LearningRateScheduleTests
{
    static readonly OptimizerSettings Optimizer = new() { Lr = 1.0, MinLr = 0.1 };

    [Fact]
    public void CosineWarmsUpLinearlyThenDecaysToMinLr()
    {
        var s = new LearningRateSchedule(Optimizer, new ScheduleSettings { Type = ScheduleType.Cosine, WarmupSteps = 10 }, 111);
        Assert.Equal(0.1, s.At(0), 12);
        Assert.Equal(0.5, s.At(4), 12);
        Assert.Equal(1.0, s.At(10), 12);
        Assert.Equal(0.55, s.At(60), 12); // halfway through the decay: the mean of lr and min_lr
        Assert.Equal(0.1, s.At(110), 12);
        for (long i = 10; i < 110; i++) Assert.True(s.At(i + 1) < s.At(i));
    }

    [Fact]
    public void WsdHoldsThePeakThenDecaysLinearlyOverTheLastFraction()
    {
        var s = new LearningRateSchedule(Optimizer, new ScheduleSettings { Type = ScheduleType.Wsd, WarmupSteps = 5, DecayFraction = 0.2 }, 100);
        Assert.Equal(1.0, s.At(5), 12);
        Assert.Equal(1.0, s.At(79), 12);
        Assert.Equal(1.0 - 0.9 / 20, s.At(80), 12);
        Assert.Equal(0.1, s.At(99), 12);
    }

    [Fact]
    public void ConstantAndLinearShapes()
    {
        var constant = new LearningRateSchedule(Optimizer, new ScheduleSettings { Type = ScheduleType.Constant }, 50);
        Assert.All(Enumerable.Range(0, 50), i => Assert.Equal(1.0, constant.At(i)));
        var linear = new LearningRateSchedule(Optimizer, new ScheduleSettings { Type = ScheduleType.Linear }, 11);
        Assert.Equal(1.0, linear.At(0), 12);
        Assert.Equal(0.55, linear.At(5), 12);
        Assert.Equal(0.1, linear.At(10), 12);
    }

    [Fact]
    public void StageWithItsOwnScheduleOverridesTheRunAndAContinueStageCanWarmUp()
    {
        var stages = new List<LearningRateSchedule.StageSpan>
        {
            new("warm", 0, 50, new StageLearningRate { Schedule = "continue" }, 10),
            new("anneal", 50, 100, new StageLearningRate { Schedule = "linear", Min = 0.0 }, 0),
        };
        var s = new LearningRateSchedule(Optimizer, new ScheduleSettings { Type = ScheduleType.Constant }, 100, stages);
        Assert.Equal(0.1, s.At(0), 12);   // stage warm-up ramp over 10 steps
        Assert.Equal(1.0, s.At(20), 12);  // then the run's constant
        Assert.Equal(1.0, s.At(50), 12);  // anneal starts at its peak (the run's lr)…
        Assert.Equal(0.0, s.At(99), 12);  // …and reaches its own min 0
    }
}
