# The sample legacy CRM (New-CrmSampleData) as canonical entities ready for a SaaS CRM: picklists normalised to the
# canonical values the Salesforce, Dynamics and HubSpot profiles translate (Get-Help about_CrmMigration_SaaS), and
# empty text as null, because none of those products stores an empty string.
@{
    Version  = 1
    Entities = [ordered]@{
        Account = @{
            Source = 'accounts'
            Key    = 'Id'
            Fields = [ordered]@{
                Id       = 'account_id'
                Name     = @{ Source = 'name'; Transform = 'Trim', 'CollapseSpaces'; Required = $true }
                Industry = @{ Source = 'industry'; Transform = 'Trim', 'EmptyToNull' }
                City     = @{ Source = 'city'; Transform = 'Trim', 'EmptyToNull' }
                Country  = @{ Source = 'country'; Transform = 'Trim', 'EmptyToNull' }
                Phone    = @{ Source = 'phone'; Transform = 'Trim', 'EmptyToNull' }
                Website  = @{ Source = 'website'; Transform = 'Trim', 'Lower', 'EmptyToNull' }
                Origin   = @{ Value = 'legacy-crm' }
            }
        }
        Contact = @{
            Source = 'contacts'
            Key    = 'Id'
            Fields = [ordered]@{
                Id        = 'contact_id'
                AccountId = @{ Source = 'account_id'; Reference = 'Account'; OnMissingParent = 'Clear' }
                FirstName = @{ Source = 'first_name'; Transform = 'Trim', 'CollapseSpaces', 'EmptyToNull' }
                LastName  = @{ Source = 'last_name'; Transform = 'Trim', 'CollapseSpaces', 'EmptyToNull'; Default = '(unknown)' }
                Email     = @{ Source = 'email'; Transform = 'Trim', 'Lower', 'EmptyToNull' }
                Phone     = @{ Source = 'phone'; Transform = 'Trim', 'EmptyToNull' }
                Mobile    = @{ Source = 'mobile'; Transform = 'Trim', 'EmptyToNull' }
                City      = @{ Source = 'city'; Transform = 'Trim', 'EmptyToNull' }
                Country   = @{ Source = 'country'; Transform = 'Trim', 'EmptyToNull' }
                Status    = @{ Source = 'status'; Transform = 'Trim', 'Lower'
                               ValueMap = @{ active = 'Active'; a = 'Active'; '1' = 'Active'; inactive = 'Inactive'; i = 'Inactive'; '*' = $null } }
                Notes     = @{ Source = 'notes'; Transform = 'Trim', 'EmptyToNull' }
            }
        }
        Opportunity = @{
            Source = 'opportunities'
            Key    = 'Id'
            Fields = [ordered]@{
                Id          = 'opportunity_id'
                AccountId   = @{ Source = 'account_id'; Reference = 'Account'; OnMissingParent = 'Clear' }
                Name        = @{ Source = 'name'; Required = $true }
                Stage       = @{ Source = 'stage'; Transform = 'Trim', 'Lower'
                                 ValueMap = @{ prospecting = 'Prospecting'; qualification = 'Qualification'; proposal = 'Proposal'; negotiation = 'Negotiation'
                                               'closed won' = 'Closed Won'; won = 'Closed Won'; 'closed lost' = 'Closed Lost'; lost = 'Closed Lost'; '*' = 'Prospecting' } }
                Amount      = @{ Source = 'amount'; Type = 'Decimal' }
                CloseDate   = @{ Source = 'close_date'; Type = 'Date' }
                Probability = @{ Source = 'probability'; Type = 'Integer' }
            }
        }
        Case = @{
            Source = 'cases'
            Key    = 'Id'
            Fields = [ordered]@{
                Id        = 'case_id'
                ContactId = @{ Source = 'contact_id'; Reference = 'Contact'; OnMissingParent = 'Clear' }
                Subject   = @{ Source = 'subject'; Transform = 'Trim', 'EmptyToNull' }
                Priority  = @{ Source = 'priority'; Transform = 'Trim', 'Lower'
                               ValueMap = @{ high = 'High'; p1 = 'High'; '1' = 'High'; medium = 'Medium'; low = 'Low'; '*' = $null } }
                Status    = @{ Source = 'status'; Transform = 'Trim', 'Lower'
                               ValueMap = @{ open = 'Open'; pending = 'Pending'; closed = 'Closed'; resolved = 'Closed'; '*' = $null } }
            }
        }
        Activity = @{
            Source = 'activities'
            Key    = 'Id'
            Fields = [ordered]@{
                Id        = 'activity_id'
                ContactId = @{ Source = 'contact_id'; Reference = 'Contact'; OnMissingParent = 'Clear' }
                Type      = @{ Source = 'type'; Transform = 'Trim', 'Lower'
                               ValueMap = @{ call = 'Call'; email = 'Email'; 'e-mail' = 'Email'; meeting = 'Task'; task = 'Task'; '*' = 'Task' } }
                Subject   = @{ Source = 'subject'; Transform = 'Trim', 'EmptyToNull' }
                Start     = @{ Source = 'due_at'; Type = 'Date' }
                Done      = @{ Source = 'done'; Type = 'Boolean' }
            }
        }
    }
}
