import { describe, expect, it } from 'vitest';
import { dependencyCycle, parseTemplate, referenceProblems } from '../../../../tools/cloudformation/cloudformation.js';

describe('the template checks (tools/cloudformation/cloudformation.ts) bite', () => {
  const broken = `
Parameters:
  Name: { Type: String }
Conditions:
  IsProd: !Equals [!Ref Name, prod]
  UsesResource: !Equals [!Ref Bucket, x]
Resources:
  Bucket:
    Type: AWS::S3::Bucket
    DependsOn: Nowhere
    Condition: NoSuchCondition
    Properties:
      BucketName: !Ref Missing
      A: !GetAtt Bucket.NoSuchAttribute
      B: !GetAtt Ghost.Arn
      C: !Sub "\${Name}-\${Unknown}-\${!Literal}-\${AWS::Region}-\${Bucket.Arn}"
      D: !If [NoCond, a, b]
      E: { "Fn::Bogus": x }
Outputs:
  Out:
    Condition: Nope
    Value: !Ref Bucket
`;

  it('when a template names things that do not exist, then each one is reported with its place', () => {
    const problems = referenceProblems(parseTemplate(broken));
    const expected = [
      /Conditions.UsesResource.*: Bucket is a resource/,
      /Resources.Bucket: Condition NoSuchCondition/,
      /Resources.Bucket.DependsOn: Nowhere is not a resource/,
      /BucketName: Missing names no parameter/,
      /A: AWS::S3::Bucket has no attribute NoSuchAttribute/,
      /B: GetAtt names Ghost/,
      /C: Unknown names no parameter/,
      /D: If names no condition NoCond/,
      /E: unknown intrinsic Fn::Bogus/,
      /Outputs.Out: Condition Nope/,
    ];
    for (const e of expected) expect(problems.some((p) => e.test(p)), `${e} in\n${problems.join('\n')}`).toBe(true);
    expect(problems).toHaveLength(expected.length);
  });

  it('when resources need each other, then the cycle is found', () => {
    const t = parseTemplate(`
Resources:
  A: { Type: AWS::SQS::Queue, Properties: { X: !GetAtt B.Arn } }
  B: { Type: AWS::SQS::Queue, Properties: { X: !Sub "\${C}" } }
  C: { Type: AWS::SQS::Queue, DependsOn: A }
`);
    expect(dependencyCycle(t)).toEqual(['A', 'B', 'C', 'A']);
  });

  it('when YAML has an unknown tag or a repeated key, then parsing refuses', () => {
    expect(() => parseTemplate('Resources:\n  A: !Bogus x\n')).toThrow(/does not parse cleanly/);
    expect(() => parseTemplate('Resources:\n  A: {}\n  A: {}\n')).toThrow(/does not parse cleanly/);
  });
});
