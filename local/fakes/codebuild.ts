import type { Build } from '@aws-sdk/client-codebuild';
import { AwsFault, type AsData, type ServiceFake } from './service-fake';

// CodeBuild over the data file's builds (codebuild.json): BatchGetBuilds
// answers the ones it knows and lists the others in buildsNotFound, as CodeBuild does.

export interface CodeBuildData {
  builds: AsData<Build & { id: string }>[];
}

export const codebuild: ServiceFake = (data) => {
  const { builds = [] } = data as Partial<CodeBuildData>;
  return {
    BatchGetBuilds: ({ ids }) => {
      if (!Array.isArray(ids) || ids.length < 1 || ids.length > 100) throw new AwsFault(400, 'InvalidInputException', 'ids: between 1 and 100 build ids');
      return { builds: builds.filter((b) => ids.includes(b.id)), buildsNotFound: ids.filter((id) => !builds.some((b) => b.id === id)) };
    },
  };
};
