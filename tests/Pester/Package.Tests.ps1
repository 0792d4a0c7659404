# Installable like any module: build.ps1 -Task Package makes a .nupkg that PSResourceGet installs from a local
# repository, and a fresh pwsh with a clean module path imports it by name and runs a migration.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'CrmTest.psm1') -Force
    Import-CrmTestModule
}

Describe 'The module package' {
    It 'installs with Install-PSResource and runs a migration from a clean module path' {
        # A private HOME: the repository registration and the CurrentUser install land there, not in the user's.
        $home_ = Join-Path $TestDrive 'home'
        $feed = Join-Path $TestDrive 'feed'
        $work = Join-Path $TestDrive 'work'
        New-Item -ItemType Directory $home_, $feed, $work | Out-Null
        $envVars = @{ HOME = $home_; XDG_DATA_HOME = (Join-Path $home_ '.local/share'); XDG_CONFIG_HOME = (Join-Path $home_ '.config'); PSModulePath = '' }
        $build = Join-Path (Get-CrmTestRepoRoot) 'build.ps1'

        $pack = Invoke-CrmTestChild -NoImport -WorkingDirectory $work -Environment $envVars -Script "& '$build' -Task Package -NoBuild -PackagePath '$feed' | Select-Object -ExpandProperty Name"
        $pack.ExitCode | Should -Be 0 -Because $pack.Error
        $version = (Import-PowerShellDataFile (Join-Path (Get-CrmTestRepoRoot) 'CrmMigration.psd1')).ModuleVersion
        $pack.Output | Should -Contain "CrmMigration.$version.nupkg"

        $install = Invoke-CrmTestChild -NoImport -WorkingDirectory $work -Environment $envVars -Script @"
Register-PSResourceRepository -Name LocalCrm -Uri '$feed' -Trusted
Install-PSResource -Name CrmMigration -Repository LocalCrm -Scope CurrentUser -TrustRepository -Quiet
(Get-InstalledPSResource -Name CrmMigration).Version.ToString()
"@
        $install.ExitCode | Should -Be 0 -Because $install.Error
        $install.Output | Should -Contain $version

        # A fresh pwsh: nothing of the repository on the module path, the module found by name.
        $run = Invoke-CrmTestChild -NoImport -WorkingDirectory $work -Environment $envVars -Script @'
$ErrorActionPreference = 'Stop'
Import-Module CrmMigration
$m = Get-Module CrmMigration
"from:" + $m.ModuleBase
"license:" + (Test-Path (Join-Path $m.ModuleBase 'LICENSE'))
"uri:" + $m.LicenseUri
New-CrmSampleData ./legacy.db -Scale 50 | Out-Null
$s = Copy-CrmData ./legacy.db ./new.db -Entity accounts, contacts -Create
"balanced:" + (@($s | Where-Object Balanced).Count)
"contacts:" + ($s | Where-Object Entity -eq contacts).Inserted
'@
        $run.ExitCode | Should -Be 0 -Because $run.Error
        $from = ($run.Output | Where-Object { $_ -like 'from:*' }) -replace '^from:', ''
        $from | Should -BeLike "$home_*"
        $from | Should -Not -BeLike "$(Get-CrmTestRepoRoot)*"
        $run.Output | Should -Contain 'license:True'
        $run.Output | Should -Contain 'uri:https://opensource.org/licenses/MIT'
        $run.Output | Should -Contain 'balanced:2'
        $run.Output | Should -Contain 'contacts:50'
    }
}
